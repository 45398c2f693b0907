import { jest } from '@jest/globals';
import { busNames, type UsageRecorded } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import { UsagePublisher } from './usage.publisher.js';
import type { UsageSink } from './usage.sink.js';
import type { SpooledEvent } from './usage.spool.js';

/** The bus as the publisher sees it: it stores what it is given, or refuses while `failing`. */
class MemorySink implements UsageSink {
  readonly stored: { subject: string; msgId: string; payload: string }[] = [];
  /** Each publish as it was issued, before its ack: one entry per synchronous run of publishes. */
  readonly runs: number[] = [];
  failing = false;
  isConnected = true;
  private inRun = false;

  connected(): boolean {
    return this.isConnected;
  }

  publish(subject: string, payload: string, options: { readonly msgId: string }): Promise<void> {
    if (!this.inRun) {
      this.inRun = true;
      this.runs.push(0);
      queueMicrotask(() => (this.inRun = false));
    }
    this.runs[this.runs.length - 1]++;
    if (this.failing || !this.isConnected) return Promise.reject(new Error('no responders'));
    this.stored.push({ subject, msgId: options.msgId, payload });
    return Promise.resolve();
  }
}

/** The on-disk spool's contract in memory: appends in order, a flush republishes and keeps what failed. */
class MemorySpool {
  lines: SpooledEvent[] = [];
  appends = 0;
  refuseAppends = false;

  async append(events: readonly SpooledEvent[]): Promise<void> {
    if (this.refuseAppends) throw new Error('disk full');
    this.appends++;
    this.lines.push(...events);
  }

  async flush(publish: (event: SpooledEvent) => Promise<void>): Promise<number> {
    const owed: SpooledEvent[] = [];
    let published = 0;
    for (const line of this.lines) {
      await publish(line).then(
        () => published++,
        () => owed.push(line),
      );
    }
    this.lines = owed;
    return published;
  }
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };
const names = busNames('t1');
const usage = (requestId: string): UsageRecorded => ({
  requestId,
  agentId: 'agt_1',
  providerId: 'prv_1',
  model: 'm',
  protocol: 'openai_chat',
  stream: false,
  status: 200,
  inputTokens: 3,
  outputTokens: 16,
  cachedTokens: 0,
  usageSource: 'upstream',
  latencyMs: 1,
  ttfbMs: 1,
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

function publisher() {
  const sink = new MemorySink();
  const spool = new MemorySpool();
  return { sink, spool, usage: new UsagePublisher({ names, sink, spool, logger: quiet, flushIntervalMs: 60_000, batchWindowMs: 0 }) };
}

describe('UsagePublisher', () => {
  it('publishes the events of one event-loop turn together at its end, each under its request id', async () => {
    const { sink, usage: p } = publisher();
    p.record('ten_1', usage('req_1'));
    p.record('ten_1', usage('req_2'));
    expect(sink.stored).toEqual([]);
    await turn();
    expect(sink.runs).toEqual([2]);
    expect(sink.stored.map((s) => [s.subject, s.msgId])).toEqual([
      [names.event('ten_1', 'usage.recorded'), 'req_1'],
      [names.event('ten_1', 'usage.recorded'), 'req_2'],
    ]);
    expect(JSON.parse(sink.stored[0]?.payload ?? '{}')).toMatchObject({ eventId: 'req_1', type: 'usage.recorded', tenantId: 'ten_1', outputTokens: 16 });
  });

  it('with a batch window, publishes what was recorded within it together, when it ends', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const sink = new MemorySink();
      const p = new UsagePublisher({ names, sink, spool: new MemorySpool(), logger: quiet, flushIntervalMs: 60_000, batchWindowMs: 5 });
      p.record('ten_1', usage('req_1'));
      await turn();
      jest.advanceTimersByTime(4);
      p.record('ten_1', usage('req_2'));
      await turn();
      expect(sink.runs).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(sink.runs).toEqual([2]);
      await turn();
      p.record('ten_1', usage('req_3'));
      jest.advanceTimersByTime(5);
      expect(sink.runs).toEqual([2, 1]);
      expect(sink.stored.map((s) => s.msgId)).toEqual(['req_1', 'req_2', 'req_3']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('publishes a full batch at once rather than waiting for the turn to end', () => {
    const { sink, usage: p } = publisher();
    for (let i = 0; i < 256; i++) p.record('ten_1', usage(`req_${i}`));
    expect(sink.stored).toHaveLength(256);
  });

  it('spools the events the bus did not acknowledge, those of one tick with one append', async () => {
    const { sink, spool, usage: p } = publisher();
    sink.failing = true;
    p.record('ten_1', usage('req_1'));
    p.record('ten_1', usage('req_2'));
    await turn();
    await turn();
    expect(spool.appends).toBe(1);
    expect(spool.lines.map((l) => l.event.eventId)).toEqual(['req_1', 'req_2']);
  });

  it('republishes spooled events once the bus is back, and not while it is unreachable', async () => {
    const { sink, spool, usage: p } = publisher();
    await spool.append([{ subject: names.event('ten_1', 'usage.recorded'), event: { eventId: 'req_old' } }]);
    sink.isConnected = false;
    p.start();
    await turn();
    expect(sink.runs).toEqual([]);
    sink.isConnected = true;
    await p.stop();
    p.start();
    await turn();
    await p.stop();
    expect(sink.stored.map((s) => s.msgId)).toEqual(['req_old']);
    expect(spool.lines).toEqual([]);
  });

  it('on stop, every event is acknowledged or spooled before it resolves', async () => {
    const { sink, spool, usage: p } = publisher();
    p.record('ten_1', usage('req_1'));
    p.record('ten_1', usage('req_2'));
    await p.stop();
    expect(sink.stored.map((s) => s.msgId)).toEqual(['req_1', 'req_2']);
    expect(spool.lines).toEqual([]);
    sink.failing = true;
    p.record('ten_1', usage('req_3'));
    await p.stop();
    expect(spool.lines.map((l) => l.event.eventId)).toEqual(['req_3']);
  });

  it('keeps events in memory when the disk refuses them too, and spools them with the next batch', async () => {
    const { sink, spool, usage: p } = publisher();
    sink.failing = true;
    spool.refuseAppends = true;
    p.record('ten_1', usage('req_1'));
    await turn();
    await turn();
    expect(spool.lines).toEqual([]);
    spool.refuseAppends = false;
    p.record('ten_1', usage('req_2'));
    await turn();
    await turn();
    expect(spool.lines.map((l) => l.event.eventId)).toEqual(['req_1', 'req_2']);
  });
});
