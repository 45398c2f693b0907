import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageSpool, type SpooledEvent } from './usage.spool.js';

const event = (id: string): SpooledEvent => ({ subject: `events.t_1.usage.recorded`, event: { eventId: id, type: 'usage.recorded', tenantId: 't_1' } });

describe('usage spool', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sb-spool-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends JSON lines to a file per process and republishes them, then removes the file', async () => {
    const spool = new UsageSpool(dir, 4242, () => false);
    await spool.append([event('a'), event('b')]);
    await spool.append([event('c')]);
    expect(readFileSync(join(dir, 'usage-4242.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    const published: string[] = [];
    expect(await spool.flush(async (e) => void published.push(e.event.eventId))).toBe(3);
    expect(published).toEqual(['a', 'b', 'c']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps exactly the events that were not acknowledged', async () => {
    const spool = new UsageSpool(dir, 4242, () => false);
    await spool.append([event('a'), event('b'), event('c')]);
    expect(await spool.flush(async (e) => (e.event.eventId === 'b' ? Promise.reject(new Error('down')) : undefined))).toBe(2);
    const published: string[] = [];
    await spool.flush(async (e) => void published.push(e.event.eventId));
    expect(published).toEqual(['b']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over the spool of a dead process, leaves a live one alone, and skips a torn last line', async () => {
    writeFileSync(join(dir, 'usage-111.jsonl'), `${JSON.stringify(event('dead'))}\n{"subject":"x","ev`);
    writeFileSync(join(dir, 'usage-222.jsonl'), `${JSON.stringify(event('alive'))}\n`);
    const spool = new UsageSpool(dir, 333, (pid) => pid === 222);
    const published: string[] = [];
    await spool.flush(async (e) => void published.push(e.event.eventId));
    expect(published).toEqual(['dead']);
    expect(readdirSync(dir)).toEqual(['usage-222.jsonl']);
  });

  it('loses no append made while a flush is running', async () => {
    const spool = new UsageSpool(dir, 4242, () => false);
    await spool.append([event('a')]);
    const published: string[] = [];
    const flushing = spool.flush(async (e) => {
      published.push(e.event.eventId);
      await spool.append([event(`late-${e.event.eventId}`)]);
    });
    await flushing;
    await spool.flush(async (e) => void published.push(e.event.eventId));
    expect(published).toEqual(['a', 'late-a']);
  });
});
