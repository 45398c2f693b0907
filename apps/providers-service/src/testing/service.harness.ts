import { createHash, randomBytes } from 'node:crypto';
import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { busNames, type Actor, type BusNames } from '@switchboard/contracts';
import { BusClient, connectNats, natsConfigFromEnv } from '@switchboard/messaging';
import { createLogger, startTelemetry } from '@switchboard/telemetry';
import type { RunningProvidersService } from '../providers-service.bootstrap.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestStack {
  readonly databaseUrl: string;
  readonly names: BusNames;
  readonly bus: BusClient;
  readonly nc: NatsConnection;
  readonly services: readonly RunningProvidersService[];
  /** The last message the relay published on `events.<tenantId>.<busType>`, or null after `waitMs`. */
  lastEvent(tenantId: string, busType: string, waitMs?: number): Promise<StoredMsg | null>;
  stop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Real PostgreSQL (a fresh database) and real NATS (a fresh namespace), with `instances` copies of the service
 * in one queue group. The namespace is set before the service's modules are imported, because controllers
 * read it when their decorators run.
 */
export async function startTestStack(instances = 1): Promise<TestStack> {
  // Spans are recorded (not exported), so trace context really flows from the client to the relayed events.
  const telemetry = startTelemetry('providers-service-spec');
  const suffix = randomBytes(5).toString('hex');
  const database = `sb_t_${suffix}`;
  process.env['SWITCHBOARD_NAMESPACE'] = `t${suffix}`;
  const names = busNames(`t${suffix}`);
  await adminQuery(`CREATE DATABASE ${database}`);
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;

  const { startProvidersService } = await import('../providers-service.bootstrap.js');
  const logger = createLogger('providers-service', {
    level: 'warn',
    write: (line) => (process.env['SB_TEST_LOGS'] ? process.stderr.write(`${line}\n`) : undefined),
  });
  const services: RunningProvidersService[] = [];
  for (let i = 0; i < instances; i++) {
    services.push(await startProvidersService({ databaseUrl, nats: natsConfigFromEnv(`providers-service-${i}`), logger }));
  }
  const nc = await connectNats(natsConfigFromEnv('providers-service-spec'));
  const bus = BusClient.create(natsConfigFromEnv('providers-service-spec'));
  const jsm = await jetstreamManager(nc);

  return {
    databaseUrl,
    names,
    bus,
    nc,
    services,
    async lastEvent(tenantId, busType, waitMs = 5_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const message = await jsm.streams.getMessage(names.eventsStream, { last_by_subj: names.event(tenantId, busType) });
        if (message || Date.now() > deadline) return message;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await bus.close();
      for (const service of services) await service.close();
      await jsm.streams.delete(names.eventsStream).catch(() => false);
      await nc.drain();
      await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await telemetry.shutdown();
    },
  };
}

export const operator: Actor = { tenantId: null, keyId: 'operator', role: 'operator', agentId: null };

export function adminOf(tenantId: string, keyId: string): Actor {
  return { tenantId, keyId, role: 'admin', agentId: null };
}

/** A key the way the gateway makes one: random, shown once; only its hash travels. */
export function newKeyHash(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}
