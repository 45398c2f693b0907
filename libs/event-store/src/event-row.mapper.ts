import type { Checkpoint, EventMetadata, StoredEvent } from './event-store.types.js';

/** An events row as selected by the store (bigints as text). */
export interface EventRow {
  position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  tenant_id: string;
  data: Record<string, unknown>;
  metadata: EventMetadata | null;
  recorded_at: Date;
}

/**
 * Select list for `FROM events e`. The text aliases shadow the column names in ORDER BY, so every
 * ORDER BY must name `e.` columns, or bigints would sort as text.
 */
export const EVENT_COLUMNS =
  'e.position::text AS position, e.transaction_id::text AS transaction_id, e.event_id, e.stream_id, e.version, e.type, e.tenant_id, e.data, e.metadata, e.recorded_at';

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: row.position,
    eventId: row.event_id,
    streamId: row.stream_id,
    version: row.version,
    type: row.type,
    tenantId: row.tenant_id,
    data: row.data,
    metadata: row.metadata ?? {},
    recordedAt: row.recorded_at,
  };
}

export function checkpointOf(row: Pick<EventRow, 'transaction_id' | 'position'>): Checkpoint {
  return { transactionId: row.transaction_id, position: row.position };
}

/**
 * The message body on the bus. The envelope fields are written last so event data can never
 * override them (e.g. a provider's own `type` field must not replace the bus type).
 */
export function busPayload(
  event: { eventId: string; data: Readonly<Record<string, unknown>> },
  busType: string,
  tenantId: string,
  at: Date,
): string {
  const envelope: Record<string, unknown> = { eventId: event.eventId, type: busType, tenantId, at: at.toISOString() };
  // Event data whose field differs from the envelope's namesake would be lost on the bus: refuse it loudly.
  const clash = Object.keys(envelope).filter((field) => field in event.data && event.data[field] !== envelope[field]);
  if (clash.length > 0) throw new Error(`event data must not use the envelope fields ${clash.join(', ')}`);
  return JSON.stringify({ ...event.data, ...envelope });
}

/** Only trace context travels as headers; the actor and correlation id stay in the event metadata. */
export function busHeaders(metadata: EventMetadata): Record<string, string> {
  const headers: Record<string, string> = {};
  if (metadata.traceparent) headers['traceparent'] = metadata.traceparent;
  if (metadata.tracestate) headers['tracestate'] = metadata.tracestate;
  return headers;
}
