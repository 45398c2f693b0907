import { jetstreamManager } from '@nats-io/jetstream';
import type { BusNames } from '@switchboard/contracts';
import type { NatsConnection } from '@switchboard/messaging';
import { processGauge } from '@switchboard/telemetry';
import { PROJECTOR_DURABLE } from './usage-projector.consumer.js';

const PROJECTION = 'usage';

interface ProjectionSnapshot {
  /** Usage events on the stream not yet projected (pending plus delivered but unacknowledged). */
  readonly pending: number;
  /** Now minus the stream time of the acknowledgement floor; 0 when nothing is pending. */
  readonly lagSeconds: number;
}

let source: { readonly nc: NatsConnection; readonly names: BusNames } | null = null;
let snapshot: { readonly at: number; readonly value: Promise<ProjectionSnapshot | null> } | null = null;
const SNAPSHOT_TTL_MS = 1_000;

async function readSnapshot(): Promise<ProjectionSnapshot | null> {
  if (source === null || source.nc.isClosed()) return null;
  const { nc, names } = source;
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(names.eventsStream, names.durable(PROJECTOR_DURABLE));
    const pending = info.num_pending + info.num_ack_pending;
    if (pending === 0) return { pending: 0, lagSeconds: 0 };
    // The oldest event not yet acknowledged is the one after the floor.
    const next = await jsm.streams.getMessage(names.eventsStream, { seq: info.ack_floor.stream_seq + 1 }).catch(() => null);
    const lagSeconds = next === null ? 0 : Math.max((Date.now() - next.time.getTime()) / 1000, 0);
    return { pending, lagSeconds };
  } catch {
    return null;
  }
}

function current(): Promise<ProjectionSnapshot | null> {
  const now = Date.now();
  if (snapshot === null || now - snapshot.at > SNAPSHOT_TTL_MS) snapshot = { at: now, value: readSnapshot() };
  return snapshot.value;
}

processGauge({
  name: 'switchboard_projection_pending_events',
  help: 'Events on the stream a projection has not yet processed (pending plus unacknowledged), by projection',
  labelNames: ['projection'],
  async collect() {
    this.reset();
    const value = await current();
    if (value !== null) this.set({ projection: PROJECTION }, value.pending);
  },
});

processGauge({
  name: 'switchboard_projection_lag_seconds',
  help: 'Age of the oldest event a projection has not yet processed (0 when it is caught up), by projection',
  labelNames: ['projection'],
  async collect() {
    this.reset();
    const value = await current();
    if (value !== null) this.set({ projection: PROJECTION }, value.lagSeconds);
  },
});

/** Scrapes read the usage projector's consumer on this connection (the latest one started in the process). */
export function watchUsageProjection(nc: NatsConnection, names: BusNames): void {
  source = { nc, names };
  snapshot = null;
}
