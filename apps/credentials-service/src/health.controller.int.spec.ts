import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { serviceHealth } from '@switchboard/contracts';
import { BusClient, natsMicroserviceOptions } from '@switchboard/messaging';
import type { NatsConfig } from '@switchboard/messaging';
import { createServiceDataSource, ensureSchema } from './postgres.schema.js';

const namespace = `t${randomBytes(5).toString('hex')}`;
process.env['SWITCHBOARD_NAMESPACE'] = namespace;
const nats: NatsConfig = { url: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', namespace, name: 'credentials-spec' };

describe('credentials-service health', () => {
  const dataSource = createServiceDataSource('postgres://postgres@127.0.0.1:5432/postgres', 'credentials-spec');
  let app: INestMicroservice;
  let bus: BusClient;

  beforeAll(async () => {
    // Imported only now: HandleOperation reads SWITCHBOARD_NAMESPACE when the controller is declared.
    const { CredentialsModule } = await import('./credentials.module.js');
    await dataSource.initialize();
    app = await NestFactory.createMicroservice(CredentialsModule.register(dataSource), {
      ...natsMicroserviceOptions(nats, 'credentials-service', { gracePeriodMs: 10 }),
      logger: false,
    });
    await app.listen();
    await app.unwrap<NatsConnection>().flush();
    bus = BusClient.create(nats);
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
    if (dataSource.isInitialized) await dataSource.destroy();
  });

  it('creates its schema idempotently, even from replicas starting together', async () => {
    const schema = `credentials_t_${randomBytes(4).toString('hex')}`;
    try {
      await Promise.all([ensureSchema(dataSource, schema), ensureSchema(dataSource, schema)]);
      await ensureSchema(dataSource, schema);
      const rows: unknown[] = await dataSource.query('select 1 from pg_namespace where nspname = $1', [schema]);
      expect(rows).toHaveLength(1);
    } finally {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}"`);
    }
  });

  it('answers health over NATS with the Postgres probe', async () => {
    expect(await bus.send(serviceHealth('credentials'), {})).toEqual({ ok: true, value: { postgres: true } });
    await dataSource.destroy();
    expect(await bus.send(serviceHealth('credentials'), {})).toEqual({ ok: true, value: { postgres: false } });
  });
});
