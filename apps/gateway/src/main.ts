import { parseArgs } from 'node:util';
import { natsConfigFromEnv } from '@switchboard/messaging';
import { serviceIdentityFromEnv, type ServiceIdentity } from '@switchboard/service-identity';
import { createLogger, metricsListenerConfigFromEnv, startMetricsListener, startTelemetry, type MetricsListenerConfig } from '@switchboard/telemetry';
import { ConfigError, loadGatewayConfig, type GatewayConfig } from './config/gateway.config.js';
import { createGatewayApp, gatewayMetricsOf } from './gateway.app.js';

const SHUTDOWN_GRACE_MS = 10_000;

const USAGE = `usage: node apps/gateway/dist/main.js [-h | --help]

Runs the gateway (REST API, LLM proxy, /docs, /metrics, /healthz, /readyz) until SIGTERM or SIGINT. Takes no
arguments: it is configured by its environment, checked at start (a bad value stops it, naming the variable):
  SWITCHBOARD_HOST, SWITCHBOARD_PORT (default 127.0.0.1:8080), SWITCHBOARD_OPERATOR_KEY, NATS_URL (default
  nats://127.0.0.1:4222) and NATS_*, SWITCHBOARD_NAMESPACE, SWITCHBOARD_SERVICE_KEY(_FILE) and
  SWITCHBOARD_TRUSTED_KEYS(_FILE) (required), SWITCHBOARD_EGRESS_ALLOW, OTEL_EXPORTER_OTLP_ENDPOINT,
  SWITCHBOARD_METRICS_PORT and _HOST (/metrics on a listener of its own as well), and the other gateway settings in
  the configuration table of README.md.
Exit codes: 0 stopped cleanly, 1 failed to start or to stop, 2 bad arguments.`;

/** The gateway takes no arguments: `--help` prints the usage and exits 0, anything else exits 2, before anything starts. */
function exitOnArguments(argv: readonly string[]): void {
  try {
    const { values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (!values.help) return;
  } catch (error) {
    process.stderr.write(`gateway: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function configOrExit(): GatewayConfig {
  try {
    return loadGatewayConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function metricsListenerOrExit(): MetricsListenerConfig | null {
  try {
    return metricsListenerConfigFromEnv();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
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
  exitOnArguments(process.argv.slice(2));
  // Configuration is checked before telemetry starts, since the exporter endpoint is one of the settings.
  const config = configOrExit();
  const identity = identityOrExit();
  const metricsConfig = metricsListenerOrExit();
  const telemetry = startTelemetry('gateway');
  const logger = createLogger('gateway');
  const app = await createGatewayApp({ config, nats: natsConfigFromEnv('gateway'), identity, logger });
  await app.listen({ port: config.port, host: config.host });
  const metrics = metricsConfig === null ? null : await startMetricsListener(metricsConfig, gatewayMetricsOf(app));
  logger.info('gateway listening', { url: await app.getUrl(), metrics: metrics?.url ?? null, serviceKey: identity.keyId });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Calls in flight may stream for up to the upstream timeout; the deployment's grace period is set longer.
    const force = setTimeout(() => process.exit(1), config.upstreamTimeoutMs + SHUTDOWN_GRACE_MS);
    force.unref();
    try {
      await metrics?.close();
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
