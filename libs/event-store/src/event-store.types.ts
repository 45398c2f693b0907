import type { BusNames } from '@switchboard/contracts';
import type { EntityManager } from 'typeorm';

/** A unit of work: the EntityManager of a running transaction. */
export type Tx = EntityManager;

export interface EventMetadata {
  actor?: { keyId: string; role: string } | null;
  traceparent?: string;
  tracestate?: string;
  correlationId?: string;
}

export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface StoredEvent {
  position: string;
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  tenantId: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  /** The `at` given on append (the command's clock), not the database clock. */
  recordedAt: Date;
}

export interface VersionConflict {
  code: 'version_conflict';
  message: string;
  streamId: string;
  expected: number;
  actual: number;
}

/** A position in the global order (transaction id, position). */
export interface Checkpoint {
  transactionId: string;
  position: string;
}

export const START_CHECKPOINT: Readonly<Checkpoint> = Object.freeze({ transactionId: '0', position: '0' });

export interface EventStoreOptions {
  schema: string;
  busNames: BusNames;
  /** Domain event type → bus type (`ProviderRegistered` → `provider.registered`). */
  busTypeOf: (eventType: string) => string;
}

export interface AppendArgs {
  streamId: string;
  expectedVersion: number;
  tenantId: string;
  events: readonly NewEvent[];
  metadata: EventMetadata;
  at: Date;
}

/** The part of a logger this library needs; the telemetry Logger satisfies it. */
export interface EventStoreLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}
