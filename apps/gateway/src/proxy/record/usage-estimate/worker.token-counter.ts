import { Worker } from 'node:worker_threads';
import type { TokenCounter, TokenizerFamily } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';

interface Pending {
  readonly resolve: (counts: readonly number[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type Reply = { readonly id: number; readonly counts: readonly number[] } | { readonly id: number; readonly error: string };

/** Long enough for the tokenizer tables to load on first use (about half a second here). */
const COUNT_TIMEOUT_MS = 15_000;

/**
 * Counts tokens in a worker thread, started on the first estimate: the tokenizers' tables (about 100 MiB) stay out
 * of a gateway that never needs them, and tokenizing never holds up the event loop that serves calls. When the
 * worker fails or is slow, the count falls back to one token per two characters, which over-counts any ordinary
 * text: an estimate is never zero for want of a tokenizer.
 */
export class WorkerTokenCounter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly script: URL,
    private readonly logger: Logger,
  ) {}

  readonly count: TokenCounter = async (family, texts) => {
    try {
      return await this.ask(family, texts);
    } catch (error) {
      this.logger.warn('token count fell back to characters', { family, error: (error as Error).message });
      return texts.map((text) => Math.ceil(text.length / 2));
    }
  };

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private ask(family: TokenizerFamily, texts: readonly string[]): Promise<readonly number[]> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new Error(`no count within ${COUNT_TIMEOUT_MS} ms`)), COUNT_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, family, texts });
    });
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(this.script);
    // A worker that only counts must not keep a stopping gateway alive.
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply.id, 'error' in reply ? new Error(reply.error) : reply.counts));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`token counter exited with ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, outcome: readonly number[] | Error): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  /** Everything waiting on a dead worker fails (and falls back); the next estimate starts a new one. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null;
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }
}
