import { admit, rpmWindow } from './rpm.window.js';
import { CounterConflict, CountersLeaderless, RateLimitUnavailable, type CounterState, type RpmCounters } from './rpm.counters.js';

export { RateLimitUnavailable } from './rpm.counters.js';

export type RpmVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RpmLimiterOptions {
  /** The shared counters (a JetStream KV bucket in the gateway, see JetStreamCounters). */
  readonly counters: RpmCounters;
  /**
   * How long calls wait for the counters' stream to have a leader again (an election after a NATS node died takes
   * a few seconds) before they are refused with 503 (SWITCHBOARD_RPM_ELECTION_WAIT_MS). Default 10 s. Not while
   * NATS is not connected at all.
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
  known: CounterState;
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

const MAX_ATTEMPTS = 25;
/** Pauses between attempts while the bucket's stream has no leader. */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

/**
 * Requests per minute per provider, exact across gateway replicas: a counter per provider and minute in a
 * JetStream KV bucket (history 1, TTL 2 min), incremented by compare-and-set on the subject's last sequence
 * (kv.create for the first, kv.update with the previous revision after; a wrong-revision answer re-reads
 * and retries). Calls arriving while a CAS is in flight are admitted together by the next one, so a burst
 * costs one round trip per batch rather than a CAS storm. The bucket itself is behind RpmCounters.
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
  private readonly counters: RpmCounters;
  private readonly electionWaitMs: number;
  private readonly now: () => number;

  constructor(options: RpmLimiterOptions) {
    this.counters = options.counters;
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
    const waitUntil = Date.now() + this.electionWaitMs;
    let pause = FIRST_PAUSE_MS;
    let conflicts = 0;
    let stale = false;
    for (;;) {
      try {
        await this.counters.ready();
        if (stale) state.known = await this.counters.read(key);
        stale = false;
        // Counts only grow within a window, so a stale count can only under-refuse: a refusal here is always right.
        const { admitted, next } = admit(state.known.count, waiting, limit);
        if (admitted === 0) return 0;
        // Far from the limit, slots for the calls that will follow are counted now too (see the class comment).
        const now = this.now();
        const blockSize = state.blockClaimedAt > 0 && now - state.blockClaimedAt < 1_000 ? Math.min(state.blockSize * 2, MAX_BLOCK) : state.blockSize;
        const block = limit - next >= BLOCK_HEADROOM * blockSize ? blockSize : 0;
        try {
          const rev = await this.counters.write(key, next + block, state.known.rev);
          state.known = { rev, count: next + block };
          if (block > 0) {
            state.block += block;
            state.blockSize = blockSize;
            state.blockClaimedAt = now;
          }
          return admitted;
        } catch (error) {
          if (!(error instanceof CounterConflict)) throw error;
          if (++conflicts >= MAX_ATTEMPTS) throw new RateLimitUnavailable(`rate limiter: too much contention on ${key}`);
          stale = true;
        }
      } catch (error) {
        // The counters' stream has no leader (a NATS node died; its peers elect another within seconds): the calls
        // wait it out rather than fail. A write whose ack was lost may have counted: the retry then meets a wrong
        // revision and re-reads, so such a slot is lost to the window (under-admits), never counted twice.
        if (!(error instanceof CountersLeaderless) || Date.now() + pause > waitUntil) {
          throw error instanceof RateLimitUnavailable ? error : new RateLimitUnavailable(`rate limiter unavailable: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
        stale = true;
      }
    }
  }

  /** Windows of earlier minutes are never counted again. */
  private prune(currentMinute: string): void {
    for (const [key, state] of this.keys) {
      if (!state.running && state.waiting.length === 0 && !key.endsWith(`.${currentMinute}`)) this.keys.delete(key);
    }
  }
}
