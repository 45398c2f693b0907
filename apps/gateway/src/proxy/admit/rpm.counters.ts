import type { NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

/** The limiter could not count (NATS down or slow): the call is refused with 503, never forwarded uncounted. */
export class RateLimitUnavailable extends Error {
  override readonly name = 'RateLimitUnavailable';
  readonly code = 'rate_limiter_unavailable';
}

/** Another writer counted in the same window since this one last read it: read again and retry. */
export class CounterConflict extends Error {
  override readonly name = 'CounterConflict';
  readonly code = 'rpm_counter_conflict';
}

/** The counters' stream answers nothing for now (its leader died and no other is elected yet). */
export class CountersLeaderless extends Error {
  override readonly name = 'CountersLeaderless';
  readonly code = 'rpm_counters_leaderless';
}

/** A counter's last write: its revision (0 = never written) and its count. */
export interface CounterState {
  readonly rev: number;
  readonly count: number;
}

/**
 * Where the RPM limiter keeps its per-window counters, shared by every gateway replica. Errors are typed:
 * CounterConflict (compare-and-set lost), CountersLeaderless (wait and retry), anything else fails the calls.
 */
export interface RpmCounters {
  /** Resolves once counters can be read and written (the bucket exists). */
  ready(): Promise<void>;
  read(key: string): Promise<CounterState>;
  /** Writes `count` if the key's revision is still `rev`; resolves to the new revision. */
  write(key: string, count: number, rev: number): Promise<number>;
}

export interface JetStreamCountersOptions {
  /** KV bucket name (namespaced by the caller); the stream is `KV_<bucket>`, as a NATS KV bucket. */
  readonly bucket: string;
  readonly connection: () => NatsConnection | null;
  /** Replicas of the bucket's stream when this creates it (SWITCHBOARD_KV_REPLICAS; 3 on a 3-node cluster). Default 1. */
  readonly replicas?: number;
  readonly timeoutMs?: number;
}

const TTL_MS = 2 * 60_000;

/**
 * The counters as a JetStream KV bucket (history 1, TTL 2 min), written by compare-and-set on the subject's last
 * sequence. Implemented on @nats-io/jetstream directly (the wire format of a KV bucket) because @nats-io/kv is not
 * a dependency of the workspace.
 */
export class JetStreamCounters implements RpmCounters {
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly timeoutMs: number;
  private bus: { connection: NatsConnection; js: JetStreamClient; jsm: Promise<JetStreamManager>; stream: Promise<void> } | null = null;

  constructor(private readonly options: JetStreamCountersOptions) {
    this.stream = `KV_${options.bucket}`;
    this.subjectPrefix = `$KV.${options.bucket}.`;
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  async ready(): Promise<void> {
    await this.current().stream.catch(rethrowTyped);
  }

  async read(key: string): Promise<CounterState> {
    const jsm = await this.current().jsm.catch(rethrowTyped);
    const stored = await jsm.streams.getMessage(this.stream, { last_by_subj: this.subjectPrefix + key }).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      return rethrowTyped(error);
    });
    if (stored === null) return { rev: 0, count: 0 };
    const count = Number(stored.string());
    return { rev: stored.seq, count: Number.isSafeInteger(count) && count >= 0 ? count : 0 };
  }

  async write(key: string, count: number, rev: number): Promise<number> {
    const { js } = this.current();
    const ack = await js.publish(this.subjectPrefix + key, String(count), { expect: { lastSubjectSequence: rev }, timeout: this.timeoutMs }).catch(rethrowTyped);
    return ack.seq;
  }

  private current(): NonNullable<JetStreamCounters['bus']> {
    const connection = this.options.connection();
    if (connection === null) throw new RateLimitUnavailable('rate limiter unavailable: NATS is not connected');
    if (this.bus?.connection !== connection) {
      const jsm = jetstreamManager(connection, { timeout: this.timeoutMs });
      const stream = jsm.then((m) => this.ensureBucket(m));
      // A failed creation is retried by the next call rather than remembered.
      stream.catch(() => {
        if (this.bus?.stream === stream) this.bus = null;
      });
      this.bus = { connection, js: jetstream(connection, { timeout: this.timeoutMs }), jsm, stream };
    }
    return this.bus;
  }

  private async ensureBucket(jsm: JetStreamManager): Promise<void> {
    const config = {
      name: this.stream,
      subjects: [`${this.subjectPrefix}>`],
      max_msgs_per_subject: 1,
      max_age: nanos(TTL_MS),
      discard: DiscardPolicy.New,
      allow_rollup_hdrs: true,
      deny_delete: true,
      allow_direct: true,
      storage: StorageType.File,
      // An existing bucket keeps its replicas (never lowered; its counters live 2 min, so deleting KV_<bucket>
      // lets the next call recreate it with more).
      num_replicas: this.options.replicas ?? 1,
    };
    try {
      await jsm.streams.info(this.stream);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await jsm.streams.add(config).catch(async (addError: unknown) => {
        // Another replica created it between our info and add.
        await jsm.streams.info(this.stream).catch(() => Promise.reject(addError));
      });
    }
  }
}

function rethrowTyped(error: unknown): never {
  if (isWrongRevision(error)) throw new CounterConflict((error as Error).message);
  if (isLeaderless(error)) throw new CountersLeaderless((error as Error).message);
  throw error;
}

function isWrongRevision(error: unknown): boolean {
  if (error instanceof JetStreamApiError) {
    return error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
  }
  return error instanceof Error && /wrong last sequence/i.test(error.message);
}

/**
 * The stream answers nothing for now: no responders or a timeout (its leader died and no other is elected yet),
 * or JetStream's 503 (the cluster is electing a leader).
 */
function isLeaderless(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.status === 503;
  if (!(error instanceof Error)) return false;
  return error.name === 'TimeoutError' || error.name === 'JetStreamNotEnabled' || /no responders|timeout/i.test(error.message);
}
