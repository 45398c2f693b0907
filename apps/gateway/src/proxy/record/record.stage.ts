import type { CallDeadline } from '../forward/call.deadline.js';
import type { CallMeter } from '../meter/call.meter.js';
import type { ProxyExchange } from '../pipeline/proxy.exchange.js';
import type { EstimateContext, UsageRecorder } from './usage.recorder.js';

/** One attempt of a call on one target: its meter, its own upstream deadline, and what an estimate of it needs. */
export interface RecordedAttempt {
  readonly meter: CallMeter;
  readonly deadline: CallDeadline;
  /** Read when the attempt is recorded, as the pipeline fills it in only once it forwards. */
  readonly estimate: () => EstimateContext | null;
}

/**
 * Stage 6: one usage event per attempt of a call. The attempt that answered the client is recorded once the response
 * has closed and the pipeline has returned (`handled`), whenever the client left: a client that leaves closes the
 * response before the upstream has reported what it used, or even answered. An attempt the call failed over from is
 * recorded as it is left, with the status its failure would have answered.
 */
export class CallRecording {
  private current: RecordedAttempt | null = null;

  constructor(
    private readonly recorder: Pick<UsageRecorder, 'record'>,
    private readonly exchange: Pick<ProxyExchange, 'res' | 'elapsedMs'>,
    handled: Promise<void>,
  ) {
    exchange.res.once('close', () => {
      // The client left: the attempt in flight stops (its deadline's signal aborts the upstream call).
      if (!exchange.res.writableFinished) this.current?.deadline.clientLeft();
      void handled.then(() => {
        const last = this.current;
        if (last === null) return;
        last.deadline.settle();
        this.recorder.record(last.meter, exchange, last.estimate());
      });
    });
  }

  /** The attempt now in flight, recorded with the client's answer unless the call fails over from it. */
  begin(attempt: RecordedAttempt): void {
    this.current = attempt;
  }

  /** The attempt in flight ended without answering the client: its event carries its own status. */
  failedOver(status: number): void {
    const left = this.current;
    if (left === null) return;
    this.current = null;
    left.deadline.settle();
    const answer = { res: { statusCode: status, headersSent: true, writableFinished: true }, elapsedMs: this.exchange.elapsedMs };
    this.recorder.record(left.meter, answer, left.estimate());
  }
}
