import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamCounters } from './rpm.counters.js';
import { RateLimitUnavailable, RpmLimiter } from './rpm.limiter.js';

const url = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

/** The bucket is created with the replicas the gateway was configured with (SWITCHBOARD_KV_REPLICAS). */
describe('RpmLimiter bucket replicas (local single-node NATS)', () => {
  let nc: NatsConnection;
  const buckets: string[] = [];
  const bucket = () => {
    const name = `t${randomBytes(5).toString('hex')}_sb_rate`;
    buckets.push(name);
    return name;
  };

  beforeAll(async () => {
    nc = await connect({ servers: url });
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    for (const name of buckets) await jsm.streams.delete(`KV_${name}`).catch(() => false);
    await nc.close();
  });

  it('creates the bucket with 1 replica on a single server', async () => {
    const name = bucket();
    const limiter = new RpmLimiter({ counters: new JetStreamCounters({ bucket: name, connection: () => nc, replicas: 1 }) });
    await expect(limiter.check('prv_1', 10)).resolves.toEqual({ allowed: true });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(`KV_${name}`)).config.num_replicas).toBe(1);
  });

  it('asks the server for the configured replicas: 3 are refused by a single server, so no call passes uncounted', async () => {
    const name = bucket();
    const limiter = new RpmLimiter({ counters: new JetStreamCounters({ bucket: name, connection: () => nc, replicas: 3 }) });
    const verdict = limiter.check('prv_1', 10);
    await expect(verdict).rejects.toBeInstanceOf(RateLimitUnavailable);
    await expect(verdict).rejects.toThrow(/replicas|resources/i);
  });
});
