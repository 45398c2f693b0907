import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { PgEventStore } from '@switchboard/event-store';
import { createTestDatabase, type TestDatabase } from '@switchboard/event-store/testing';
import { natsConfigFromEnv } from '@switchboard/messaging';
import { testIdentities } from '@switchboard/service-identity/testing';
import { createLogger } from '@switchboard/telemetry';
import { startService, type ServiceStartOptions } from './service.start.js';
import type { ServiceDefinition } from './service.store.js';

@Module({})
class EmptyModule {}

const service: ServiceDefinition = {
  name: 'runtime-spec',
  schema: 'runtime_spec',
  busTypeOf: (eventType) => eventType,
  migrations: [{ id: 'runtime-spec/001', sql: ['CREATE TABLE runtime_spec.things (id text PRIMARY KEY)'] }],
};

describe('startService', () => {
  let database: TestDatabase;
  let options: ServiceStartOptions;

  beforeAll(async () => {
    process.env['SWITCHBOARD_NAMESPACE'] = `t${randomBytes(5).toString('hex')}`;
    database = await createTestDatabase();
    options = {
      databaseUrl: database.url,
      nats: natsConfigFromEnv('runtime-spec'),
      logger: createLogger('runtime-spec', { level: 'error' }),
      identity: testIdentities().identity('providers'),
    };
  });

  afterAll(async () => {
    await database.drop();
  });

  it('opens the migrated store, lets the service listen, and undoes everything in reverse order once', async () => {
    const closed: string[] = [];
    const running = await startService(service, options, async (runtime) => {
      runtime.onClose(async () => void closed.push('before listen'));
      const app = await runtime.listen({ module: EmptyModule });
      runtime.onClose(async () => void closed.push('after listen'));
      return { app, answer: 42 };
    });
    expect(running.answer).toBe(42);
    expect(await running.store.dataSource.query('SELECT count(*)::int AS n FROM runtime_spec.things')).toEqual([{ n: 0 }]);

    await Promise.all([running.close(), running.close()]);
    await running.close();
    expect(closed).toEqual(['after listen', 'before listen']);
    expect(running.store.dataSource.isInitialized).toBe(false);
  });

  it('undoes what was opened when the service fails to start, and rethrows', async () => {
    const closed: string[] = [];
    let store: PgEventStore | undefined;
    const failure = new Error('bad configuration');
    await expect(
      startService(service, options, async (runtime) => {
        store = runtime.store;
        runtime.onClose(async () => void closed.push('opened by the service'));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(closed).toEqual(['opened by the service']);
    expect(store?.dataSource.isInitialized).toBe(false);
  });
});
