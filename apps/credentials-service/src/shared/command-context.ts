import { appError, fail, ok, type Actor, type Result } from '@switchboard/contracts';
import type { EventMetadata } from '@switchboard/event-store';
import { traceHeaders } from '@switchboard/telemetry';

/** Stream ids per aggregate; the id alone identifies the stream, the tenant is checked against the read model. */
export const streamIds = {
  secret: (id: string) => `secret-${id}`,
  recipient: (id: string) => `recipient-${id}`,
  /** One decision (issued or denied) per agent start. */
  start: (startId: string) => `start-${startId}`,
} as const;

/** Every operation acts inside the caller's tenant; the operator key belongs to none. */
export function requireTenant(actor: Actor): Result<string> {
  if (actor.tenantId === null) return fail(appError('forbidden', 'a tenant key is required'));
  return ok(actor.tenantId);
}

/**
 * Changing secrets and recipients, and revealing a value, is for tenant admins. The gateway checks roles
 * too; checking here as well keeps a mistake at the edge from turning into a leak.
 */
export function requireTenantAdmin(actor: Actor): Result<string> {
  const tenant = requireTenant(actor);
  if (!tenant.ok) return tenant;
  if (actor.role !== 'admin') return fail(appError('forbidden', 'only an admin key may do this'));
  return tenant;
}

/**
 * Who caused the events and the trace they belong to. The traceparent is stored with the events so the
 * outbox relay, which runs later outside any request, publishes them in the request's trace.
 */
export function eventMetadata(actor: { keyId: string; role: string }, correlationId?: string): EventMetadata {
  const headers = traceHeaders();
  const metadata: EventMetadata = { actor: { keyId: actor.keyId, role: actor.role } };
  if (headers['traceparent']) metadata.traceparent = headers['traceparent'];
  if (headers['tracestate']) metadata.tracestate = headers['tracestate'];
  if (correlationId !== undefined) metadata.correlationId = correlationId;
  return metadata;
}
