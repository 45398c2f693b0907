import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CounterConflict, JetStreamCounters, RateLimitUnavailable } from './rpm.counters.js';
import { RpmLimiter } from './rpm.limiter.js';

const url = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

/** The counters' compare-and-set on a real KV bucket: what the limiter's exactness rests on. */
describe('JetStreamCounters (local NATS)', () => {
  let nc: NatsConnection;
  const buckets: string[] = [];
  const counters = () => {
    const bucket = `t${randomBytes(5).toString('hex')}_sb_rate`;
    buckets.push(bucket);
    return new JetStreamCounters({ bucket, connection: () => nc });
  };

  beforeAll(async () => {
    nc = await connect({ servers: url });
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    for (const bucket of buckets) await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
    await nc.close();
  });

  it('reads an unwritten counter as revision 0, and reads back what a write stored', async () => {
    const c = counters();
    await c.ready();
    expect(await c.read('prv_1.100')).toEqual({ rev: 0, count: 0 });
    const rev = await c.write('prv_1.100', 3, 0);
    expect(await c.read('prv_1.100')).toEqual({ rev, count: 3 });
  });

  it('refuses a write on a stale revision with CounterConflict, so two writers never both count', async () => {
    const c = counters();
    await c.ready();
    const rev = await c.write('prv_1.100', 1, 0);
    await expect(c.write('prv_1.100', 2, 0)).rejects.toBeInstanceOf(CounterConflict);
    await c.write('prv_1.100', 2, rev);
    await expect(c.write('prv_1.100', 5, rev)).rejects.toBeInstanceOf(CounterConflict);
    expect((await c.read('prv_1.100')).count).toBe(2);
  });

  it('holds a limit exactly for two limiters on one bucket, each with its own view of it', async () => {
    const shared = counters();
    const a = new RpmLimiter({ counters: shared });
    const b = new RpmLimiter({ counters: new JetStreamCounters({ bucket: buckets[buckets.length - 1] as string, connection: () => nc }) });
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).check('prv_exact', 20)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(20);
  });

  it('fails with RateLimitUnavailable while NATS is not connected', async () => {
    const c = new JetStreamCounters({ bucket: 'unused', connection: () => null });
    await expect(c.ready()).rejects.toBeInstanceOf(RateLimitUnavailable);
  });
});
