import { jest } from '@jest/globals';
import { usageCall } from '../../test/service.harness.js';
import { ProjectionBatcher } from './projection.batcher.js';
import type { UsageRecordedMessage } from './usage-recorded.message.js';

const message = (requestId: string): UsageRecordedMessage => ({
  ...usageCall({ requestId }),
  eventId: requestId,
  type: 'usage.recorded',
  tenantId: 'ten_a',
  at: '2025-01-01T00:00:00.000Z',
});

describe('ProjectionBatcher', () => {
  it('writes the calls of one event-loop turn together and everything that arrived meanwhile in the next batch', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const batcher = new ProjectionBatcher({
      project: async (calls) => {
        batches.push(calls.map((c) => c.requestId));
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return { added: new Set(calls.map((c) => c.requestId).filter((id) => id !== 'r3')), ledger: [] };
      },
      onCharged: async () => undefined,
    });
    const first = ['r0', 'r1'].map((id) => batcher.project(message(id)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['r0', 'r1']]);
    const later = ['r2', 'r3', 'r4'].map((id) => batcher.project(message(id)));
    release();
    expect(await Promise.all(first)).toEqual([true, true]);
    expect(await Promise.all(later)).toEqual([true, false, true]);
    expect(batches).toEqual([['r0', 'r1'], ['r2', 'r3', 'r4']]);
  });

  it('fails every call of a failed batch, then goes on with the next one', async () => {
    let calls = 0;
    const batcher = new ProjectionBatcher({
      project: async (batch) => {
        calls++;
        if (calls === 1) throw new Error('database unavailable');
        return { added: new Set(batch.map((c) => c.requestId)), ledger: [] };
      },
      onCharged: async () => Promise.reject(new Error('ignored: the batch is committed')),
    });
    await expect(batcher.project(message('a'))).rejects.toThrow('database unavailable');
    await expect(batcher.project(message('b'))).resolves.toBe(true);
  });

  it('splits a backlog into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new ProjectionBatcher({
      project: async (calls) => {
        sizes.push(calls.length);
        return { added: new Set(), ledger: [] };
      },
      onCharged: async () => undefined,
      maxBatch: 2,
    });
    await Promise.all(['1', '2', '3', '4', '5'].map((id) => batcher.project(message(id))));
    expect(sizes).toEqual([2, 2, 1]);
  });

  describe('with a linger', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    const recording = (written: string[][], options: { lingerMs: number; maxBatch?: number; hold?: Promise<void> }) =>
      new ProjectionBatcher({
        project: async (calls) => {
          written.push(calls.map((c) => c.requestId));
          if (written.length === 1 && options.hold) await options.hold;
          return { added: new Set(calls.map((c) => c.requestId)), ledger: [] };
        },
        onCharged: async () => undefined,
        ...options,
      });

    it('lets the oldest call wait lingerMs for others, so calls of several turns go in one batch', async () => {
      const written: string[][] = [];
      const batcher = recording(written, { lingerMs: 80 });
      const first = batcher.project(message('a'));
      await jest.advanceTimersByTimeAsync(20);
      const second = batcher.project(message('b'));
      await jest.advanceTimersByTimeAsync(59);
      expect(written).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(await Promise.all([first, second])).toEqual([true, true]);
      expect(written).toEqual([['a', 'b']]);
    });

    it('writes a full batch without waiting out the linger', async () => {
      const written: string[][] = [];
      const batcher = recording(written, { lingerMs: 60_000, maxBatch: 2 });
      const both = Promise.all([batcher.project(message('a')), batcher.project(message('b'))]);
      await jest.advanceTimersByTimeAsync(0);
      expect(written).toEqual([['a', 'b']]);
      await both;
    });

    it('after a slow write, writes the calls that came meanwhile at once when their oldest has already lingered', async () => {
      const written: string[][] = [];
      let release: () => void = () => undefined;
      const hold = new Promise<void>((resolve) => (release = resolve));
      const batcher = recording(written, { lingerMs: 50, hold });
      const first = batcher.project(message('a'));
      await jest.advanceTimersByTimeAsync(50);
      expect(written).toEqual([['a']]);
      await jest.advanceTimersByTimeAsync(30);
      const second = batcher.project(message('b'));
      // b's linger ends at 130 ms while a's commit still runs.
      await jest.advanceTimersByTimeAsync(100);
      expect(written).toEqual([['a']]);
      release();
      await jest.advanceTimersByTimeAsync(0);
      expect(written).toEqual([['a'], ['b']]);
      await Promise.all([first, second]);
    });

    it('after a quick write, lets the calls that came meanwhile linger from when their oldest came', async () => {
      const written: string[][] = [];
      let release: () => void = () => undefined;
      const hold = new Promise<void>((resolve) => (release = resolve));
      const batcher = recording(written, { lingerMs: 50, hold });
      const first = batcher.project(message('a'));
      await jest.advanceTimersByTimeAsync(50);
      const second = batcher.project(message('b'));
      await jest.advanceTimersByTimeAsync(10);
      release();
      await jest.advanceTimersByTimeAsync(39);
      expect(written).toEqual([['a']]);
      await jest.advanceTimersByTimeAsync(1);
      expect(written).toEqual([['a'], ['b']]);
      await Promise.all([first, second]);
    });
  });
});
