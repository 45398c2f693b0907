import { appError, fail, type AppError, type Operation, type Result, type Actor } from '@switchboard/contracts';
import type { ServiceIdentity } from '@switchboard/service-identity';

/**
 * What crosses the bus for a request: the payload without its `actor` (the principal rides in the token), and
 * the exact JSON the token's hash covers. Every JSON value survives a parse/stringify round trip unchanged, so
 * the handler's side recomputes the same text from the payload it received.
 */
export function outgoingRequest(op: Operation, payload: unknown): { readonly body: unknown; readonly json: string; readonly principal: Actor | null } {
  if (!op.onBehalf || typeof payload !== 'object' || payload === null) return { body: payload, json: jsonOf(payload), principal: null };
  const { actor, ...body } = payload as { actor?: Actor };
  return { body, json: jsonOf(body), principal: actor ?? null };
}

export const jsonOf = (value: unknown): string => JSON.stringify(value) ?? '';

/** The handler's payload, with `actor` set from the verified token for operations made on someone's behalf. */
export function withVerifiedActor(op: Operation, data: unknown, principal: Actor | null): unknown {
  if (!op.onBehalf) return data;
  const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {};
  return { ...fields, actor: principal };
}

/** A reply as sent: the Result envelope plus the answering service's proof over its JSON. */
export function signedReply(identity: ServiceIdentity, requestJti: string | null, result: Result<unknown>): object {
  return requestJti === null ? result : { ...result, proof: identity.signReply(requestJti, jsonOf(result)) };
}

/**
 * The Result envelope of a reply, once its proof shows the operation's own service sent it for this request;
 * anything else (a rogue responder on the bus, a reply to another request) is `internal`, never a value.
 */
export function verifiedReply(identity: ServiceIdentity, op: Operation, requestJti: string, raw: unknown): Result<unknown, AppError> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(unverified(op));
  const { proof, ...envelope } = raw as { proof?: unknown };
  if (typeof proof !== 'string' || !identity.verifyReply(proof, op, requestJti, jsonOf(envelope))) return fail(unverified(op));
  return { ok: true, value: envelope };
}

const unverified = (op: Operation): AppError =>
  appError('internal', `the reply to ${op.subject} is not signed by the ${op.owner} service for this request`);
