import { natsConfigFromEnv } from '@switchboard/messaging';
import { createLogger, startTelemetry } from '@switchboard/telemetry';
import { SERVICE_NAME, startProvidersService } from './providers-service.bootstrap.js';

const telemetry = startTelemetry(SERVICE_NAME);
const logger = createLogger(SERVICE_NAME);
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/switchboard';
const nats = natsConfigFromEnv(SERVICE_NAME);

/** Whatever still holds the event loop after a clean close must not keep a stopped service alive. */
const EXIT_GRACE_MS = 10_000;

try {
  const service = await startProvidersService({ databaseUrl, nats, logger });
  logger.info('ready', { nats: nats.url, namespace: nats.namespace || null, pid: process.pid });

  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info('shutting down', { signal });
    try {
      await service.close();
    } catch (err) {
      logger.error('shutdown failed', { err });
      process.exitCode = 1;
    }
    // Last, so spans of the shutdown itself are flushed too.
    await telemetry.shutdown();
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
} catch (err) {
  logger.error('failed to start', { err });
  await telemetry.shutdown();
  process.exit(1);
}
