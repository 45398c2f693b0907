import { appError, fail, ok, type Actor, type Result } from '@switchboard/contracts';
import type { EventMetadata } from '@switchboard/event-store';
import { traceHeaders } from '@switchboard/telemetry';

/** Stream ids per aggregate; the id alone identifies the stream, the tenant is checked against the read model. */
export const streamIds = {
  tenant: (id: string) => `tenant-${id}`,
  key: (id: string) => `key-${id}`,
  provider: (id: string) => `provider-${id}`,
  model: (id: string) => `model-${id}`,
  agent: (id: string) => `agent-${id}`,
  /** One stream per start, so concurrent starts of one agent never contend on the agent's stream. */
  agentStart: (startId: string) => `agent-start-${startId}`,
} as const;

/** Every tenant operation acts inside the caller's tenant; the operator key belongs to none. */
export function requireTenant(actor: Actor): Result<string> {
  if (actor.tenantId === null) return fail(appError('forbidden', 'a tenant key is required'));
  return ok(actor.tenantId);
}

/** For the operations only a tenant's admin may call; the gateway checks roles too, this keeps a slip there harmless. */
export function requireTenantAdmin(actor: Actor): Result<string> {
  const tenant = requireTenant(actor);
  if (!tenant.ok) return tenant;
  if (actor.role !== 'admin') return fail(appError('forbidden', 'only an admin key may do this'));
  return tenant;
}

/**
 * Who caused the events and the trace they belong to. The traceparent is stored with the events so the
 * outbox relay, which runs later outside any request, publishes them in the request's trace. Operations other
 * services call on their own behalf (no key behind them) record no actor.
 */
export function eventMetadata(actor: Actor | null): EventMetadata {
  const headers = traceHeaders();
  const metadata: EventMetadata = { actor: actor === null ? null : { keyId: actor.keyId, role: actor.role } };
  if (headers['traceparent']) metadata.traceparent = headers['traceparent'];
  if (headers['tracestate']) metadata.tracestate = headers['tracestate'];
  return metadata;
}
