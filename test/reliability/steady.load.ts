import { setTimeout as sleep } from 'node:timers/promises';

/** One agent call as the client saw it. */
export interface ClientCall {
  /** Which route the call used (see LoadTarget.name). */
  readonly target: string;
  /** Index of the gateway replica the call went to. */
  readonly gateway: number;
  /** Unique per call; sent as the prompt, so the upstream's record of the call names it. */
  readonly marker: string;
  readonly stream: boolean;
  readonly startedAt: number;
  endedAt: number | null;
  /** HTTP status, or 0 when no answer came (connection refused or reset, client timeout). */
  status: number | null;
  /** The gateway's `x-request-id`, when it answered. */
  requestId: string | null;
}

/** Where a share of the load goes: an agent key and how many calls per second it sends. */
export interface LoadTarget {
  readonly name: string;
  readonly key: string;
  readonly perSecond: number;
}

export interface SteadyLoadOptions {
  readonly gateways: readonly string[];
  readonly targets: readonly LoadTarget[];
  /** The model name the agents call (registered on each target's provider). */
  readonly model: string;
  readonly maxTokens: number;
  /** A client gives up on a call after this long. */
  readonly clientTimeoutMs: number;
  /** Prefix of every marker, so calls of different scenarios never share one. */
  readonly tag: string;
}

/**
 * Open-loop agent calls (chat completions, one in three streamed) at a fixed rate per target, spread over the
 * gateway replicas in turn. Calls are started on schedule whether or not earlier ones have answered, as
 * independent agents would; every call is kept with its outcome.
 */
export class SteadyLoad {
  readonly calls: ClientCall[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: SteadyLoadOptions) {}

  start(): void {
    this.running = true;
    this.loops = this.options.targets.map((target) => this.loop(target));
  }

  /** Stops starting calls and waits for those under way. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.allSettled([...this.pending]);
  }

  private async loop(target: LoadTarget): Promise<void> {
    const interval = 1000 / target.perSecond;
    let next = Date.now();
    while (this.running) {
      const call = this.call(target);
      this.pending.add(call);
      void call.finally(() => this.pending.delete(call));
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
  }

  private async call(target: LoadTarget): Promise<void> {
    const n = this.sequence++;
    const gateway = n % this.options.gateways.length;
    const stream = n % 3 === 0;
    const record: ClientCall = {
      target: target.name,
      gateway,
      marker: `${this.options.tag}:${target.name}:${n}`,
      stream,
      startedAt: Date.now(),
      endedAt: null,
      status: null,
      requestId: null,
    };
    this.calls.push(record);
    try {
      const response = await fetch(`${this.options.gateways[gateway]}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: this.options.model,
          messages: [{ role: 'user', content: record.marker }],
          max_tokens: this.options.maxTokens,
          ...(stream ? { stream: true } : {}),
        }),
        signal: AbortSignal.timeout(this.options.clientTimeoutMs),
      });
      record.requestId = response.headers.get('x-request-id');
      await response.text();
      record.status = response.status;
    } catch {
      record.status = 0;
    }
    record.endedAt = Date.now();
  }
}

/** Calls of `target` started in [from, to), and the share of them answered 2xx (null when there were none). */
export function availability(calls: readonly ClientCall[], target: string, from: number, to: number): { calls: number; ok: number; share: number | null } {
  const window = calls.filter((c) => c.target === target && c.startedAt >= from && c.startedAt < to);
  const ok = window.filter((c) => c.status !== null && c.status >= 200 && c.status < 300).length;
  return { calls: window.length, ok, share: window.length === 0 ? null : ok / window.length };
}
