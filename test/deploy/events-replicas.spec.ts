import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { busNames } from '@switchboard/contracts';
import { connectNats, ensureEventsStream, type NatsConnection } from '@switchboard/messaging';
import { eventsReplicasFromEnv } from '@switchboard/service-runtime';

const NATS_SERVER = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
const localUrl = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

describe('SWITCHBOARD_EVENTS_REPLICAS', () => {
  it('defaults to 1 and takes 1 to 5', () => {
    expect(eventsReplicasFromEnv({})).toBe(1);
    expect(eventsReplicasFromEnv({ SWITCHBOARD_EVENTS_REPLICAS: ' ' })).toBe(1);
    expect(eventsReplicasFromEnv({ SWITCHBOARD_EVENTS_REPLICAS: '3' })).toBe(3);
    for (const bad of ['0', '6', 'three', '2.5', '-1']) {
      expect(() => eventsReplicasFromEnv({ SWITCHBOARD_EVENTS_REPLICAS: bad })).toThrow('SWITCHBOARD_EVENTS_REPLICAS must be an integer from 1 to 5');
    }
  });
});

describe('EVENTS stream replicas on the local single-node NATS', () => {
  const names = busNames(`t${randomBytes(5).toString('hex')}`);
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connectNats({ url: localUrl, namespace: names.namespace, name: 'events-replicas-spec' });
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
  });

  it('creates the stream with the replicas asked for (1 accepted; 3 refused by one server, so the value reaches it)', async () => {
    await expect(ensureEventsStream(nc, busNames(`t${randomBytes(5).toString('hex')}`), { replicas: 3 })).rejects.toThrow(/replicas|resources/i);
    await ensureEventsStream(nc, names, { replicas: eventsReplicasFromEnv({ SWITCHBOARD_EVENTS_REPLICAS: '1' }) });
    expect((await (await jetstreamManager(nc)).streams.info(names.eventsStream)).config.num_replicas).toBe(1);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A real 3-node JetStream cluster on loopback, so an R3 stream exists and a later R1 start can be watched. */
describe('EVENTS stream replicas on a 3-node cluster', () => {
  const names = busNames(`t${randomBytes(5).toString('hex')}`);
  const nodes: ChildProcess[] = [];
  let dir = '';
  let nc: NatsConnection;
  const run = existsSync(NATS_SERVER) ? it : it.skip;

  beforeAll(async () => {
    if (!existsSync(NATS_SERVER)) return;
    dir = mkdtempSync(join(tmpdir(), 'sb-nats-cluster-'));
    const clients = [await freePort(), await freePort(), await freePort()];
    const routes = [await freePort(), await freePort(), await freePort()];
    const routeUrls = routes.map((port) => `nats://127.0.0.1:${port}`).join(',');
    for (const [i, port] of clients.entries()) {
      const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, `n${i}`), '--server_name', `n${i}`];
      args.push('--cluster_name', 'sbspec', '--cluster', `nats://127.0.0.1:${routes[i]}`, '--routes', routeUrls);
      nodes.push(spawn(NATS_SERVER, args, { stdio: 'ignore' }));
    }
    const url = clients.map((port) => `nats://127.0.0.1:${port}`).join(',');
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        nc ??= await connectNats({ url, namespace: names.namespace, name: 'events-replicas-cluster-spec' });
        await (await jetstreamManager(nc, { timeout: 2_000 })).getAccountInfo();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    for (const node of nodes) node.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  run('creates the stream at R3 and never sets it back to R1', async () => {
    const add = async (replicas: number) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ensureEventsStream(nc, names, { replicas });
        } catch (error) {
          // The meta leader may still be settling just after the cluster formed.
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    };
    await add(3);
    const jsm = await jetstreamManager(nc);
    // The server itself would take an R3 stream down to R1 if asked (so the check below means something).
    const other = `${names.eventsStream}_PROBE`;
    await jsm.streams.add({ name: other, subjects: [`${names.namespace}.probe.>`], num_replicas: 3 });
    await jsm.streams.update(other, { num_replicas: 1 });
    expect((await jsm.streams.info(other)).config.num_replicas).toBe(1);
    await jsm.streams.delete(other);
    expect((await jsm.streams.info(names.eventsStream)).config.num_replicas).toBe(3);
    await add(1);
    await add(eventsReplicasFromEnv({}));
    const { config } = await jsm.streams.info(names.eventsStream);
    expect(config.num_replicas).toBe(3);
    expect(config.duplicate_window).toBeGreaterThan(0);
  }, 60_000);
});
