import type { NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { admit, rpmWindow } from './rpm.window.js';

export type RpmVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** The limiter could not count (NATS down or slow): the call is refused with 503, never forwarded uncounted. */
export class RateLimitUnavailable extends Error {
  override readonly name = 'RateLimitUnavailable';
}

export interface RpmLimiterOptions {
  /** KV bucket name (namespaced by the caller); the stream is `KV_<bucket>`, as a NATS KV bucket. */
  readonly bucket: string;
  readonly connection: () => NatsConnection | null;
  /** Replicas of the bucket's stream when this creates it (SWITCHBOARD_KV_REPLICAS; 3 on a 3-node cluster). Default 1. */
  readonly replicas?: number;
  readonly timeoutMs?: number;
  /**
   * How long calls wait for the bucket's stream to have a leader again (an election after a NATS node died takes
   * a few seconds) before they are refused with 503. Default 10 s. Not while NATS is not connected at all.
   */
  readonly electionWaitMs?: number;
  readonly now?: () => number;
}

interface Waiter {
  readonly limit: number;
  readonly retryAfterSeconds: number;
  readonly resolve: (verdict: RpmVerdict) => void;
  readonly reject: (error: Error) => void;
}

interface KeyState {
  /** Last revision and count this process wrote or read; rev 0 = no entry yet (kv.create). */
  known: { rev: number; count: number };
  waiting: Waiter[];
  running: boolean;
  /** Slots this process counted ahead in the window and admits from without a round trip. */
  block: number;
  /** Slots the next block claims: doubled while blocks run out within a second. */
  blockSize: number;
  blockClaimedAt: number;
}

/** A block is claimed only while the window has this many blocks' worth left, so near the limit every call counts itself. */
const BLOCK_HEADROOM = 16;
const FIRST_BLOCK = 8;
const MAX_BLOCK = 1_024;

const TTL_MS = 2 * 60_000;
const MAX_ATTEMPTS = 25;
/** Pauses between attempts while the bucket's stream has no leader. */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

/**
 * Requests per minute per provider, exact across gateway replicas: a counter per provider and minute in a
 * JetStream KV bucket (history 1, TTL 2 min), incremented by compare-and-set on the subject's last sequence
 * (kv.create for the first, kv.update with the previous revision after; a wrong-revision answer re-reads
 * and retries). Calls arriving while a CAS is in flight are admitted together by the next one, so a burst
 * costs one round trip per batch rather than a CAS storm. Implemented on @nats-io/jetstream directly
 * (the wire format of a KV bucket) because @nats-io/kv is not a dependency of the workspace.
 *
 * Far from the limit a round trip per call is not needed: a CAS that admits calls also counts a block of slots
 * ahead (8 at first, doubling while blocks last under a second, at most 1,024), which this process then admits
 * from locally. A block is claimed only while the window has 16 blocks' worth left, so near the limit every
 * call is counted on its own and the limit is exact; what a replica's unused block costs is that other
 * replicas may see the limit up to that many slots early in that minute (a 429 with Retry-After, never more
 * calls than the limit).
 *
 * Fails closed: when NATS cannot be reached the call gets 503. An RPM limit protects a provider account
 * from bans and overage; with N replicas each counting alone the limit would silently become N× (or none).
 * While the bucket's stream has no leader (a node of a NATS cluster died and the others elect one), calls wait for
 * it, up to electionWaitMs, rather than fail.
 */
export class RpmLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly timeoutMs: number;
  private readonly electionWaitMs: number;
  private readonly now: () => number;
  private ready: { connection: NatsConnection; js: JetStreamClient; jsm: Promise<JetStreamManager>; stream: Promise<void> } | null = null;

  constructor(private readonly options: RpmLimiterOptions) {
    this.stream = `KV_${options.bucket}`;
    this.subjectPrefix = `$KV.${options.bucket}.`;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.electionWaitMs = options.electionWaitMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  check(providerId: string, limit: number): Promise<RpmVerdict> {
    const window = rpmWindow(providerId, this.now());
    let state = this.keys.get(window.key);
    if (state === undefined) {
      this.prune(window.key.slice(window.key.lastIndexOf('.') + 1));
      state = { known: { rev: 0, count: 0 }, waiting: [], running: false, block: 0, blockSize: FIRST_BLOCK, blockClaimedAt: 0 };
      this.keys.set(window.key, state);
    }
    if (state.block > 0) {
      state.block--;
      return Promise.resolve({ allowed: true });
    }
    const key = window.key;
    const entry = state;
    return new Promise<RpmVerdict>((resolve, reject) => {
      entry.waiting.push({ limit, retryAfterSeconds: window.retryAfterSeconds, resolve, reject });
      if (!entry.running) void this.drain(key, entry);
    });
  }

  private async drain(key: string, state: KeyState): Promise<void> {
    state.running = true;
    while (state.waiting.length > 0) {
      const batch = state.waiting.splice(0);
      const limit = batch[batch.length - 1]?.limit ?? 0;
      try {
        const admitted = await this.increment(key, state, batch.length, limit);
        batch.forEach((w, i) => w.resolve(i < admitted ? { allowed: true } : { allowed: false, retryAfterSeconds: w.retryAfterSeconds }));
      } catch (error) {
        const failure = error instanceof RateLimitUnavailable ? error : new RateLimitUnavailable(`rate limiter unavailable: ${(error as Error).message}`);
        for (const w of batch) w.reject(failure);
      }
    }
    state.running = false;
  }

  private async increment(key: string, state: KeyState, waiting: number, limit: number): Promise<number> {
    const subject = this.subjectPrefix + key;
    const waitUntil = Date.now() + this.electionWaitMs;
    let pause = FIRST_PAUSE_MS;
    let conflicts = 0;
    let stale = false;
    for (;;) {
      try {
        const bus = this.bus();
        await bus.stream;
        if (stale) state.known = await this.read(bus, subject);
        stale = false;
        // Counts only grow within a window, so a stale count can only under-refuse: a refusal here is always right.
        const { admitted, next } = admit(state.known.count, waiting, limit);
        if (admitted === 0) return 0;
        // Far from the limit, slots for the calls that will follow are counted now too (see the class comment).
        const now = this.now();
        const blockSize = state.blockClaimedAt > 0 && now - state.blockClaimedAt < 1_000 ? Math.min(state.blockSize * 2, MAX_BLOCK) : state.blockSize;
        const block = limit - next >= BLOCK_HEADROOM * blockSize ? blockSize : 0;
        try {
          const ack = await bus.js.publish(subject, String(next + block), { expect: { lastSubjectSequence: state.known.rev }, timeout: this.timeoutMs });
          state.known = { rev: ack.seq, count: next + block };
          if (block > 0) {
            state.block += block;
            state.blockSize = blockSize;
            state.blockClaimedAt = now;
          }
          return admitted;
        } catch (error) {
          if (!isWrongRevision(error)) throw error;
          if (++conflicts >= MAX_ATTEMPTS) throw new RateLimitUnavailable(`rate limiter: too much contention on ${key}`);
          stale = true;
        }
      } catch (error) {
        // The bucket's stream has no leader (a NATS node died; its peers elect another within seconds): the calls
        // wait it out rather than fail. A publish whose ack was lost may have counted: the retry then meets a wrong
        // revision and re-reads, so such a slot is lost to the window (under-admits), never counted twice.
        if (!isLeaderless(error) || Date.now() + pause > waitUntil) {
          throw error instanceof RateLimitUnavailable ? error : new RateLimitUnavailable(`rate limiter unavailable: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
        stale = true;
      }
    }
  }

  private async read(bus: NonNullable<RpmLimiter['ready']>, subject: string): Promise<{ rev: number; count: number }> {
    const jsm = await bus.jsm;
    const stored = await jsm.streams.getMessage(this.stream, { last_by_subj: subject }).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw error;
    });
    if (stored === null) return { rev: 0, count: 0 };
    const count = Number(stored.string());
    return { rev: stored.seq, count: Number.isSafeInteger(count) && count >= 0 ? count : 0 };
  }

  private bus(): NonNullable<RpmLimiter['ready']> {
    const connection = this.options.connection();
    if (connection === null) throw new RateLimitUnavailable('rate limiter unavailable: NATS is not connected');
    if (this.ready?.connection !== connection) {
      const jsm = jetstreamManager(connection, { timeout: this.timeoutMs });
      const stream = jsm.then((m) => this.ensureBucket(m));
      // A failed creation is retried by the next call rather than remembered.
      stream.catch(() => {
        if (this.ready?.stream === stream) this.ready = null;
      });
      this.ready = { connection, js: jetstream(connection, { timeout: this.timeoutMs }), jsm, stream };
    }
    return this.ready;
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

  /** Windows of earlier minutes are never counted again. */
  private prune(currentMinute: string): void {
    for (const [key, state] of this.keys) {
      if (!state.running && state.waiting.length === 0 && !key.endsWith(`.${currentMinute}`)) this.keys.delete(key);
    }
  }
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
