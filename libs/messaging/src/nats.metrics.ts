import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { processCounter, processGauge } from '@switchboard/telemetry';

/**
 * The bus as one process sees it: traffic and reconnects of its NATS connections, and the JetStream streams and
 * durable consumers it depends on (read from the server on each scrape, at most once a second). Every replica of a
 * service reports the same stream figures: dashboards take `max` over them.
 */

interface Totals {
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
}

const live = new Set<NatsConnection>();
/** What closed connections had counted, so the process's counters never go backwards. */
const closed: Totals = { inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0 };

function totals(): Totals {
  const sum = { ...closed };
  for (const nc of live) {
    const s = nc.stats();
    sum.inMsgs += s.inMsgs;
    sum.outMsgs += s.outMsgs;
    sum.inBytes += s.inBytes;
    sum.outBytes += s.outBytes;
  }
  return sum;
}

processCounter({
  name: 'switchboard_nats_messages_total',
  help: 'Messages this process received from and sent to NATS, by direction (in, out)',
  labelNames: ['direction'],
  collect() {
    const t = totals();
    this.reset();
    this.inc({ direction: 'in' }, t.inMsgs);
    this.inc({ direction: 'out' }, t.outMsgs);
  },
});

processCounter({
  name: 'switchboard_nats_bytes_total',
  help: 'Bytes this process received from and sent to NATS, by direction (in, out)',
  labelNames: ['direction'],
  collect() {
    const t = totals();
    this.reset();
    this.inc({ direction: 'in' }, t.inBytes);
    this.inc({ direction: 'out' }, t.outBytes);
  },
});

const reconnects = processCounter({
  name: 'switchboard_nats_reconnects_total',
  help: 'Times a NATS connection of this process was re-established after losing its server',
  labelNames: [],
});

const connected = processGauge({
  name: 'switchboard_nats_connections',
  help: 'NATS connections of this process, by state (connected, reconnecting)',
  labelNames: ['state'],
});

/** Counts the connection's traffic and reconnects until it closes. Called for every connection the process opens. */
export function observeNatsConnection(nc: NatsConnection): void {
  live.add(nc);
  connected.inc({ state: 'connected' });
  connected.inc({ state: 'reconnecting' }, 0);
  let up = true;
  const move = (nowUp: boolean) => {
    if (nowUp === up) return;
    up = nowUp;
    connected.dec({ state: nowUp ? 'reconnecting' : 'connected' });
    connected.inc({ state: nowUp ? 'connected' : 'reconnecting' });
  };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') move(false);
      else if (status.type === 'reconnect') {
        reconnects.inc();
        move(true);
      }
    }
  })().catch(() => undefined);
  void nc.closed().then(() => {
    const s = nc.stats();
    closed.inMsgs += s.inMsgs;
    closed.outMsgs += s.outMsgs;
    closed.inBytes += s.inBytes;
    closed.outBytes += s.outBytes;
    live.delete(nc);
    connected.dec({ state: up ? 'connected' : 'reconnecting' });
  });
}

export interface WatchedStream {
  /** The stream's name on the server (namespaced in tests). */
  readonly name: string;
  /** Its namespace-free name, the `stream` label: `EVENTS`, `KV_<bucket>`. */
  readonly label: string;
  /** Durable consumers on it whose names start with this are reported, by the rest of the name (the `consumer` label). */
  readonly consumerPrefix?: string;
}

interface StreamFigures {
  readonly label: string;
  readonly messages: number;
  readonly bytes: number;
  readonly replicas: number;
  readonly currentReplicas: number;
  readonly consumers: readonly { readonly name: string; readonly pending: number; readonly ackPending: number; readonly redelivered: number }[];
}

const watched = new Map<string, { readonly nc: NatsConnection; readonly stream: WatchedStream }>();
let snapshot: { readonly at: number; readonly value: Promise<StreamFigures[]> } | null = null;
const SNAPSHOT_TTL_MS = 1_000;

/** Replicas that are caught up with the leader, the leader included; a stream without cluster info is its one copy. */
export function currentReplicas(info: Pick<StreamInfo, 'config' | 'cluster'>): number {
  const cluster = info.cluster;
  if (!cluster?.leader) return cluster ? 0 : info.config.num_replicas;
  return 1 + (cluster.replicas ?? []).filter((peer) => peer.current && !peer.offline).length;
}

async function readStream(nc: NatsConnection, stream: WatchedStream): Promise<StreamFigures | null> {
  if (nc.isClosed()) return null;
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream.name);
    const consumers: StreamFigures['consumers'][number][] = [];
    if (stream.consumerPrefix !== undefined) {
      for await (const c of jsm.consumers.list(stream.name)) {
        if (!c.name.startsWith(stream.consumerPrefix)) continue;
        consumers.push({ name: c.name.slice(stream.consumerPrefix.length), pending: c.num_pending, ackPending: c.num_ack_pending, redelivered: c.num_redelivered });
      }
    }
    return {
      label: stream.label,
      messages: info.state.messages,
      bytes: info.state.bytes,
      replicas: info.config.num_replicas,
      currentReplicas: currentReplicas(info),
      consumers,
    };
  } catch {
    return null;
  }
}

function current(): Promise<StreamFigures[]> {
  const now = Date.now();
  if (snapshot === null || now - snapshot.at > SNAPSHOT_TTL_MS) {
    const reads = [...watched.values()].map(({ nc, stream }) => readStream(nc, stream));
    snapshot = { at: now, value: Promise.all(reads).then((all) => all.filter((s): s is StreamFigures => s !== null)) };
  }
  return snapshot.value;
}

function streamGauge(name: string, help: string, pick: (s: StreamFigures) => number): void {
  processGauge({
    name,
    help,
    labelNames: ['stream'],
    async collect() {
      const streams = await current();
      this.reset();
      for (const s of streams) this.set({ stream: s.label }, pick(s));
    },
  });
}

streamGauge('switchboard_nats_stream_messages', 'Messages held by a JetStream stream this service uses, by stream', (s) => s.messages);
streamGauge('switchboard_nats_stream_bytes', 'Bytes held by a JetStream stream this service uses, by stream', (s) => s.bytes);
streamGauge('switchboard_nats_stream_replicas', 'Configured replicas of a JetStream stream, by stream', (s) => s.replicas);
streamGauge('switchboard_nats_stream_current_replicas', 'Replicas of a JetStream stream caught up with its leader (the leader included; 0 without a leader), by stream', (s) => s.currentReplicas);

function consumerGauge(name: string, help: string, pick: (c: StreamFigures['consumers'][number]) => number): void {
  processGauge({
    name,
    help,
    labelNames: ['stream', 'consumer'],
    async collect() {
      const streams = await current();
      this.reset();
      for (const s of streams) for (const c of s.consumers) this.set({ stream: s.label, consumer: c.name }, pick(c));
    },
  });
}

consumerGauge('switchboard_nats_consumer_pending_messages', 'Messages on the stream a durable consumer has not yet been delivered, by stream and consumer', (c) => c.pending);
consumerGauge('switchboard_nats_consumer_ack_pending_messages', 'Messages delivered to a durable consumer and not yet acknowledged, by stream and consumer', (c) => c.ackPending);
consumerGauge('switchboard_nats_consumer_redelivered_messages', 'Messages a durable consumer has been delivered more than once and not yet acknowledged, by stream and consumer', (c) => c.redelivered);

/** Reports the stream (and its durable consumers) on each scrape until `nc` closes. */
export function watchStream(nc: NatsConnection, stream: WatchedStream): void {
  watched.set(stream.label, { nc, stream });
  snapshot = null;
  void nc.closed().then(() => {
    if (watched.get(stream.label)?.nc === nc) watched.delete(stream.label);
  });
}
