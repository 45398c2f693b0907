import { parseArgs } from 'node:util';

export const serviceUsage = (serviceName: string): string => `usage: node apps/${serviceName}/dist/main.js [-h | --help]

Runs ${serviceName} until SIGTERM or SIGINT (then closes in order). Takes no arguments: it is configured by its
environment, checked at start (a bad value stops it, naming the variable):
  DATABASE_URL (default postgres://postgres@127.0.0.1:5432/switchboard), NATS_URL (default nats://127.0.0.1:4222),
  NATS_USER, NATS_PASSWORD(_FILE), NATS_NKEY_SEED_FILE, NATS_TLS_*, NATS_INBOX_PREFIX, SWITCHBOARD_NAMESPACE,
  SWITCHBOARD_SERVICE_KEY(_FILE) and SWITCHBOARD_TRUSTED_KEYS(_FILE) (required), OTEL_EXPORTER_OTLP_ENDPOINT,
  and the service's own settings in the configuration table of README.md.
Exit codes: 0 stopped cleanly, 1 failed to start or to stop, 2 bad arguments.`;

/**
 * A service takes no arguments: `--help` prints its usage and exits 0, anything else exits 2, both before
 * anything starts.
 */
export function exitOnServiceArguments(serviceName: string, argv: readonly string[] = process.argv.slice(2)): void {
  try {
    const { values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (!values.help) return;
  } catch (error) {
    process.stderr.write(`${serviceName}: ${(error as Error).message}\n\n${serviceUsage(serviceName)}\n`);
    process.exit(2);
  }
  process.stdout.write(`${serviceUsage(serviceName)}\n`);
  process.exit(0);
}
