import { natsConfigFromEnv } from '@switchboard/messaging';
import { serviceIdentityFromEnv, type ServiceIdentity } from '@switchboard/service-identity';
import { createLogger, startTelemetry } from '@switchboard/telemetry';
import { ConfigError, loadGatewayConfig, type GatewayConfig } from './config/gateway.config.js';
import { createGatewayApp } from './gateway.app.js';

const SHUTDOWN_GRACE_MS = 10_000;

function configOrExit(): GatewayConfig {
  try {
    return loadGatewayConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function identityOrExit(): ServiceIdentity {
  try {
    return serviceIdentityFromEnv('gateway');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  // Configuration is checked before telemetry starts, since the exporter endpoint is one of the settings.
  const config = configOrExit();
  const identity = identityOrExit();
  const telemetry = startTelemetry('gateway');
  const logger = createLogger('gateway');
  const app = await createGatewayApp({ config, nats: natsConfigFromEnv('gateway'), identity, logger });
  await app.listen({ port: config.port, host: config.host });
  logger.info('gateway listening', { url: await app.getUrl(), serviceKey: identity.keyId });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    try {
      await app.close();
    } finally {
      // Last, so spans of requests that were still finishing are exported too.
      await telemetry.shutdown().catch(() => undefined);
    }
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  const err = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`gateway failed to start: ${err.message}\n`);
  process.exit(1);
});
