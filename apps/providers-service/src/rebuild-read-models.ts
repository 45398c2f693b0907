/**
 * Rebuilds the read models (tenants, access_keys, providers, models, agents, agent_starts, agent_stops) from the event store.
 *   node apps/providers-service/dist/rebuild-read-models.js      (DATABASE_URL as for the service)
 * Run it with the service stopped: requests served meanwhile would read half-rebuilt tables. The
 * operator key survives; keys' last_used_at does not (it is not an event).
 */
import { ProjectionRunner } from '@switchboard/event-store';
import { createLogger } from '@switchboard/telemetry';
import { openEventStore, SERVICE_NAME } from './providers-service.bootstrap.js';
import { readModelsProjection } from './read-models/read-models.projection.js';

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
} catch (err) {
  logger.error('rebuild failed', { err });
  process.exitCode = 1;
}
