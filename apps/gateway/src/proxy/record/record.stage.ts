import type { FastifyReply } from 'fastify';
import type { CallDeadline } from '../forward/call.deadline.js';
import type { CallMeter } from '../meter/call.meter.js';
import type { EstimateContext, UsageRecorder } from './usage.recorder.js';

/**
 * Stage 6: the call's usage event, once its response has closed and the pipeline has returned (`handled`), whenever
 * the client left: a client that leaves closes the response before the upstream has reported what it used, or even
 * answered. `estimate` is read then, as the pipeline fills it in only once it forwards.
 */
export function recordWhenHandled(
  recorder: Pick<UsageRecorder, 'record'>,
  reply: FastifyReply,
  meter: CallMeter,
  deadline: CallDeadline,
  handled: Promise<void>,
  estimate: () => EstimateContext | null,
): void {
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) deadline.clientLeft();
    void handled.then(() => {
      deadline.settle();
      recorder.record(meter, reply, estimate());
    });
  });
}
