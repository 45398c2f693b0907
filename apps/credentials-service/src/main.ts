import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { natsConfigFromEnv, natsMicroserviceOptions } from '@switchboard/messaging';
import { NestLogger, createLogger, startTelemetry } from '@switchboard/telemetry';
import { CredentialsModule } from './credentials.module.js';
import { DEFAULT_DATABASE_URL, createServiceDataSource, ensureSchema } from './postgres.schema.js';

const SERVICE = 'credentials-service';
const SCHEMA = 'credentials';
/** Longer than the NATS grace period, shorter than a typical orchestrator kill timeout. */
const SHUTDOWN_DEADLINE_MS = 15_000;

async function main(): Promise<void> {
  const telemetry = startTelemetry(SERVICE);
  const logger = createLogger(SERVICE);
  const dataSource = createServiceDataSource(process.env['DATABASE_URL'] || DEFAULT_DATABASE_URL, SERVICE);
  await dataSource.initialize();
  await ensureSchema(dataSource, SCHEMA);

  const nats = natsConfigFromEnv(SERVICE);
  const app = await NestFactory.createMicroservice(CredentialsModule.register(dataSource), {
    ...natsMicroserviceOptions(nats, SERVICE),
    logger: new NestLogger(logger),
  });
  await app.listen();
  logger.info('ready', { namespace: nats.namespace, schema: SCHEMA });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    let code = 0;
    try {
      await app.close();
      await dataSource.destroy();
    } catch (error) {
      logger.error('unclean shutdown', { err: error });
      code = 1;
    }
    await telemetry.shutdown();
    logger.info('stopped');
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  createLogger(SERVICE).error('startup failed', { err: error });
  process.exit(1);
});
