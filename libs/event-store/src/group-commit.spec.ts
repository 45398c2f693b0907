import { GroupCommit, GroupCommitError, type Settled } from './group-commit.js';
import { deferred, type Deferred } from './testing/async-helpers.js';

/** A runner whose batches finish when the spec says so; records each batch's items. */
function controlledRunner() {
  const batches: number[][] = [];
  const gates: Deferred<void>[] = [];
  const run = async (items: readonly number[]): Promise<Settled<string>[]> => {
    batches.push([...items]);
    const gate = deferred();
    gates.push(gate);
    await gate.promise;
    return items.map((i) => (i < 0 ? { ok: false, error: new Error(`item ${i} refused`) } : { ok: true, value: `done ${i}` }));
  };
  const releaseNext = async () => {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.resolve();
  };
  return { batches, run, releaseNext };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('sends the first submission at once, alone, when idle', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit({ run: runner.run, maxBatch: 10 });
    const first = group.submit(1);
    await tick();
    expect(runner.batches).toEqual([[1]]);
    await runner.releaseNext();
    await expect(first).resolves.toBe('done 1');
  });

  it('batches what arrives while a batch is in flight, and nothing runs two batches at once', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit({ run: runner.run, maxBatch: 10 });
    const results = [group.submit(1)];
    await tick();
    results.push(group.submit(2), group.submit(3));
    await tick();
    results.push(group.submit(4));
    await tick();
    expect(runner.batches).toEqual([[1]]);
    await runner.releaseNext();
    await tick();
    expect(runner.batches).toEqual([[1], [2, 3, 4]]);
    await runner.releaseNext();
    await expect(Promise.all(results)).resolves.toEqual(['done 1', 'done 2', 'done 3', 'done 4']);
    expect(group.stats()).toEqual({ batches: 2, items: 4, largestBatch: 3 });
  });

  it('shares one batch among submissions of the same turn', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit({ run: runner.run, maxBatch: 10 });
    const results = [group.submit(1), group.submit(2)];
    await tick();
    expect(runner.batches).toEqual([[1, 2]]);
    await runner.releaseNext();
    await expect(Promise.all(results)).resolves.toEqual(['done 1', 'done 2']);
  });

  it('caps a batch at maxBatch; the rest go in the next one', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit({ run: runner.run, maxBatch: 2 });
    const results = [1, 2, 3].map((i) => group.submit(i));
    await tick();
    expect(runner.batches).toEqual([[1, 2]]);
    expect(group.waiting).toBe(1);
    await runner.releaseNext();
    await tick();
    expect(runner.batches).toEqual([[1, 2], [3]]);
    await runner.releaseNext();
    await expect(Promise.all(results)).resolves.toEqual(['done 1', 'done 2', 'done 3']);
  });

  it('settles each caller with its own outcome', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit({ run: runner.run, maxBatch: 10 });
    const good = group.submit(1);
    const bad = group.submit(-1);
    await runner.releaseNext();
    await expect(good).resolves.toBe('done 1');
    await expect(bad).rejects.toThrow('item -1 refused');
  });

  it('fails exactly the callers of a batch whose run throws; the next batch still runs', async () => {
    let calls = 0;
    const group = new GroupCommit<number, number>({
      maxBatch: 10,
      run: async (items) => {
        calls++;
        if (calls === 1) throw new Error('connection lost');
        return items.map((value) => ({ ok: true, value }));
      },
    });
    const failed = [group.submit(1), group.submit(2)];
    await expect(Promise.all(failed.map((p) => p.catch((e: Error) => e.message)))).resolves.toEqual(['connection lost', 'connection lost']);
    await expect(group.submit(3)).resolves.toBe(3);
  });

  it('rejects with a typed error when the runner settles fewer items than it was given', async () => {
    const group = new GroupCommit<number, number>({ maxBatch: 10, run: async () => [] });
    await expect(group.submit(1)).rejects.toBeInstanceOf(GroupCommitError);
    await expect(group.submit(1)).rejects.toMatchObject({ code: 'group_commit_unsettled' });
  });

  it('refuses a batch size below one', () => {
    expect(() => new GroupCommit({ maxBatch: 0, run: async () => [] })).toThrow(RangeError);
  });
});
