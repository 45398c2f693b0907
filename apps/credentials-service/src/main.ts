import { createKmsFromEnv } from '@switchboard/kms';
import { natsConfigFromEnv } from '@switchboard/messaging';
import { createLogger, startTelemetry } from '@switchboard/telemetry';
import { SERVICE_NAME, startCredentialsService } from './credentials-service.bootstrap.js';
import { settingsFromEnv } from './shared/credentials.settings.js';

const telemetry = startTelemetry(SERVICE_NAME);
const logger = createLogger(SERVICE_NAME);
const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';
const nats = natsConfigFromEnv(SERVICE_NAME);

/** Whatever still holds the event loop after a clean close must not keep a stopped service alive. */
const EXIT_GRACE_MS = 10_000;

try {
  // Both throw on bad configuration, naming the variables (never their values).
  const settings = settingsFromEnv();
  // KMS_BACKEND local (default; keys in KMS_LOCAL_DIR, default .switchboard/kms) or aws.
  const kms = createKmsFromEnv();
  const service = await startCredentialsService({ databaseUrl, nats, logger, kms, settings });
  logger.info('ready', { nats: nats.url, namespace: nats.namespace || null, kmsBackend: kms.backend, pid: process.pid });

  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info('shutting down', { signal });
    try {
      await service.close();
      kms.close();
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
