import type { ServiceName } from '@switchboard/contracts';
import { natsConfigFromEnv, type NatsConfig } from '@switchboard/messaging';
import { serviceIdentityFromEnv, type ServiceIdentity } from '@switchboard/service-identity';
import { collectProcessMetrics, createLogger, metricsListenerConfigFromEnv, startMetricsListener, startTelemetry, type Logger, type MetricsListener } from '@switchboard/telemetry';
import { exitOnServiceArguments } from './service.command-line.js';

/** What a service's main() gets before it starts: configured from the environment, named after the service. */
export interface MainContext {
  readonly logger: Logger;
  readonly nats: NatsConfig;
  /** From SWITCHBOARD_SERVICE_KEY(_FILE) and SWITCHBOARD_TRUSTED_KEYS(_FILE). */
  readonly identity: ServiceIdentity;
}

export interface StartedMain {
  /** Extra fields for the `ready` log line (between the NATS fields and the pid). */
  readonly ready?: Readonly<Record<string, unknown>>;
  /** Stops the service and whatever main() opened for it. */
  close(): Promise<void>;
}

/** Whatever still holds the event loop after a clean close must not keep a stopped service alive. */
const EXIT_GRACE_MS = 10_000;

/**
 * A service process: its arguments checked (`--help`), telemetry, then `start`; on SIGTERM or SIGINT an ordered close, telemetry flushed
 * last. A failed start is logged and exits with 1; a failed close sets exit code 1.
 */
export async function runServiceMain(
  serviceName: string,
  identityName: ServiceName,
  start: (context: MainContext) => Promise<StartedMain>,
): Promise<void> {
  exitOnServiceArguments(serviceName);
  const telemetry = startTelemetry(serviceName);
  const logger = createLogger(serviceName);

  try {
    // Both throw on bad configuration, naming the variable, never a secret.
    const nats = natsConfigFromEnv(serviceName);
    const identity = serviceIdentityFromEnv(identityName);
    const metricsConfig = metricsListenerConfigFromEnv();
    collectProcessMetrics();
    const service = await start({ logger, nats, identity });
    // After start: a scrape never sees a half-started service.
    const metrics: MetricsListener | null = metricsConfig === null ? null : await startMetricsListener(metricsConfig);
    logger.info('ready', {
      nats: nats.url,
      natsUser: nats.auth?.user ?? null,
      namespace: nats.namespace || null,
      serviceKey: identity.keyId,
      ...service.ready,
      metrics: metrics?.url ?? null,
      pid: process.pid,
    });

    const shutdown = async (signal: NodeJS.Signals) => {
      logger.info('shutting down', { signal });
      try {
        await metrics?.close();
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
}
