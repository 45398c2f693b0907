/** `node apps/providers-service/dist/rebuild-read-models.js`: the read models again from the event store; see USAGE. */
import { parseArgs } from 'node:util';
import { ProjectionRunner } from '@switchboard/event-store';
import { createLogger } from '@switchboard/telemetry';
import { openEventStore, SERVICE_NAME } from './providers-service.bootstrap.js';
import { readModelsProjection } from './read-models/read-models.projection.js';

const USAGE = `usage: node apps/providers-service/dist/rebuild-read-models.js [-h | --help]

Rebuilds the providers-service read models (tenants, access_keys, providers, models, agents, agent_starts,
agent_stops) from its event store. Run it with providers-service stopped: requests served meanwhile would read
half-rebuilt tables. The operator key survives; keys' last_used_at does not (it is not an event).

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/switchboard), as for the service.
Exit codes: 0 rebuilt, 1 failed, 2 bad arguments.`;

async function rebuild(): Promise<number> {
  const logger = createLogger(`${SERVICE_NAME}/rebuild-read-models`);
  const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/switchboard';
  try {
    const store = await openEventStore(databaseUrl);
    try {
      const events = await new ProjectionRunner(store, readModelsProjection, { logger }).rebuild();
      logger.info('read models rebuilt', { projection: readModelsProjection.name, events });
    } finally {
      await store.dataSource.destroy();
    }
    return 0;
  } catch (err) {
    logger.error('rebuild failed', { err });
    return 1;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
  } catch (error) {
    process.stderr.write(`rebuild-read-models: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  return rebuild();
}

process.exitCode = await main(process.argv.slice(2));
