import { SpanKind, context } from '@opentelemetry/api';
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { appError, busNames, fail, type AppError, type BusNames, type Operation, type ParsedRequestOf, type ReplyOf, type RequestOf, type Result } from '@switchboard/contracts';
import { BUS_TOKEN_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import { contextFromHeaders, recordError, traceHeaders, withSpan, type Logger } from '@switchboard/telemetry';
import { annotateResult } from './result-span.annotation.js';
import { parseReply } from './reply.envelope.js';
import { outgoingRequest, signedReply, verifiedReply, withVerifiedActor } from './signed-envelope.js';
import { firstIssue } from './zod-issue.format.js';

/**
 * Request/reply for the few operations on a hot path (the proxy's budget admission), straight on a NATS
 * connection: JSON in, the same Result envelope out, W3C trace context in headers, a queue group so any one
 * replica answers. The Nest transport (BusClient/@HandleOperation) costs about a millisecond per round trip
 * in framework layers, which is the whole budget of a proxied call; everything else stays on Nest. Tokens and
 * reply proofs are those of the Nest path: the caller's token is checked against the exact request bytes.
 */
export function serveDirect<O extends Operation>(
  nc: NatsConnection,
  names: BusNames,
  op: O,
  handler: (request: ParsedRequestOf<O>) => Promise<Result<ReplyOf<O>>>,
  options: { readonly queue: string; readonly logger: Logger; readonly identity: ServiceIdentity },
): Subscription {
  const subject = names.command(op.subject);
  return nc.subscribe(subject, {
    queue: options.queue,
    callback: (error, msg) => {
      if (error !== null) {
        options.logger.warn('direct operation subscription failed', { subject: op.subject, error: error.message });
        return;
      }
      void answer(msg, op, handler, options.logger, options.identity);
    },
  });
}

async function answer<O extends Operation>(
  msg: Msg,
  op: O,
  handler: (request: ParsedRequestOf<O>) => Promise<Result<ReplyOf<O>>>,
  logger: Logger,
  identity: ServiceIdentity,
): Promise<void> {
  const parent = contextFromHeaders((name) => msg.headers?.get(name) || undefined);
  const token = msg.headers?.get(BUS_TOKEN_HEADER) || undefined;
  const attributes = { 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'messaging.destination.name': msg.subject };
  const result = await context.with(parent, () =>
    withSpan(op.subject, { kind: SpanKind.SERVER, attributes }, async (span): Promise<Result<unknown>> => {
      let outcome: Result<unknown>;
      let body: unknown;
      const text = msg.string();
      const verified = identity.verifyRequest(token, op, text);
      if (!verified.ok) {
        logger.warn('request refused', { subject: op.subject, reason: verified.error.details?.['reason'] });
        annotateResult(span, verified);
        return verified;
      }
      try {
        body = JSON.parse(text);
      } catch {
        outcome = fail(appError('validation_failed', `${op.subject}: the request is not JSON`));
        annotateResult(span, outcome);
        return outcome;
      }
      const parsed = op.request.safeParse(withVerifiedActor(op, body, verified.value.principal));
      if (!parsed.success) {
        outcome = fail(appError('validation_failed', `${op.subject}: ${firstIssue(parsed.error)}`));
      } else {
        try {
          outcome = await handler(parsed.data as ParsedRequestOf<O>);
        } catch (error) {
          recordError(span, error);
          logger.error('direct operation failed', { subject: op.subject, err: error });
          outcome = fail(appError('internal', `${op.subject} failed in the service`));
        }
      }
      annotateResult(span, outcome);
      return outcome;
    }),
  );
  if (msg.reply) msg.respond(JSON.stringify(signedReply(identity, identity.requestIdOf(token), result)));
}

/** The caller's side of serveDirect, on a connection the caller owns (the gateway's NATS link). */
export class DirectClient {
  private readonly names: BusNames;

  constructor(
    private readonly connection: () => NatsConnection | null,
    namespace: string,
    private readonly identity: ServiceIdentity,
  ) {
    this.names = busNames(namespace);
  }

  async request<O extends Operation>(op: O, payload: RequestOf<O>, options: { readonly timeoutMs: number }): Promise<Result<ReplyOf<O>>> {
    const subject = this.names.command(op.subject);
    const attributes = { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': subject };
    return withSpan(op.subject, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const nc = this.connection();
      let result: Result<ReplyOf<O>>;
      if (nc === null) {
        result = fail(unreachable(op, 'the message bus is not connected'));
      } else {
        const request = outgoingRequest(op, payload);
        const { token, jti } = this.identity.signRequest(op, request.json, request.principal);
        const headers = natsHeaders();
        for (const [name, value] of Object.entries(traceHeaders())) headers.set(name, value);
        headers.set(BUS_TOKEN_HEADER, token);
        try {
          const reply = await nc.request(subject, request.json, { timeout: options.timeoutMs, headers });
          const envelope = verifiedReply(this.identity, op, jti, JSON.parse(reply.string()));
          result = envelope.ok ? parseReply(op, envelope.value) : envelope;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          result = fail(unreachable(op, /timeout/i.test(reason) ? `no reply within ${options.timeoutMs} ms` : 'no service is answering'));
        }
      }
      annotateResult(span, result);
      return result;
    });
  }
}

const unreachable = (op: Operation, why: string): AppError => appError('unavailable', `${op.subject}: ${why}`);
