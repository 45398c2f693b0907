import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ProxyExchange } from '../pipeline/proxy.exchange.js';
import { CallDeadline } from '../forward/call.deadline.js';
import { CallMeter } from '../meter/call.meter.js';
import { CallRecording } from './record.stage.js';
import type { RecordedAnswer } from './usage.recorder.js';

/** Just what recording reads of an exchange: its response's state and events, and the elapsed time. */
function replyOf(): { reply: Pick<ProxyExchange, 'res' | 'elapsedMs'>; raw: EventEmitter & { statusCode: number; headersSent: boolean; writableFinished: boolean } } {
  const raw = Object.assign(new EventEmitter(), { statusCode: 200, headersSent: true, writableFinished: true });
  return { reply: { res: raw as unknown as ServerResponse, elapsedMs: 12 }, raw };
}

const attemptOn = (providerId: string, attempt: number) => {
  const meter = new CallMeter({ tenantId: 'ten_1', agentId: 'agt_1', providerId, model: 'm', protocol: 'openai_chat', stream: false }, 'req_1');
  meter.attempt = attempt;
  return { meter, deadline: new CallDeadline(60_000), estimate: () => null };
};

describe('call recording', () => {
  it('records an attempt left for another target at once, with its own status, and the last one with the answer', async () => {
    const { reply, raw } = replyOf();
    const recorded: Array<{ providerId: string; attempt: number; status: number }> = [];
    const recorder = {
      record: (meter: CallMeter, answer: RecordedAnswer) => recorded.push({ providerId: meter.identity.providerId, attempt: meter.attempt, status: answer.res.statusCode }),
    };
    let finish = (): void => undefined;
    const handled = new Promise<void>((resolve) => (finish = resolve));
    const recording = new CallRecording(recorder, reply, handled);

    recording.begin(attemptOn('prv_a', 1));
    recording.failedOver(502);
    expect(recorded).toEqual([{ providerId: 'prv_a', attempt: 1, status: 502 }]);
    recording.begin(attemptOn('prv_b', 2));

    raw.emit('close');
    // Not before the pipeline has returned: the answer's usage may still be filled in.
    expect(recorded).toHaveLength(1);
    finish();
    await handled;
    await Promise.resolve();
    expect(recorded).toEqual([
      { providerId: 'prv_a', attempt: 1, status: 502 },
      { providerId: 'prv_b', attempt: 2, status: 200 },
    ]);
  });

  it('stops the attempt in flight when the client leaves', () => {
    const { reply, raw } = replyOf();
    raw.writableFinished = false;
    const recording = new CallRecording({ record: () => undefined }, reply, new Promise<void>(() => undefined));
    const attempt = attemptOn('prv_a', 1);
    recording.begin(attempt);
    raw.emit('close');
    expect(attempt.deadline.signal.aborted).toBe(true);
    expect(attempt.deadline.timedOut).toBe(false);
    attempt.deadline.settle();
  });
});
