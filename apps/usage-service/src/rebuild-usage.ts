/**
 * Rebuilds the usage projections.
 *   node apps/usage-service/dist/rebuild-usage.js                 recompute usage.daily from usage.calls
 *   node apps/usage-service/dist/rebuild-usage.js --from-stream   first record every call the EVENTS stream
 *                                                                 still holds, then recompute usage.daily
 * (DATABASE_URL, NATS_URL, SWITCHBOARD_NAMESPACE as for the service.)
 *
 * usage.calls is the source of truth, kept from the event stream: one row per `usage.recorded`, never
 * updated. The daily aggregates are derived from it, so the plain rebuild gives the same figures as the
 * live projection, and is safe with the service running (see recomputeDailyAggregates). Should usage.calls
 * itself be lost, --from-stream restores it from the events (only as far back as the stream's retention).
 */
import { busNamesFromEnv, connectNats, natsConfigFromEnv } from '@switchboard/messaging';
import { createLogger } from '@switchboard/telemetry';
import { recomputeDailyAggregates } from './projection/usage.projection.js';
import { replayUsageStream } from './rebuild/usage-stream.replay.js';
import { openUsageStore, SERVICE_NAME } from './usage-service.bootstrap.js';

const logger = createLogger(`${SERVICE_NAME}/rebuild-usage`);
const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';
const fromStream = process.argv.includes('--from-stream');

try {
  const store = await openUsageStore(databaseUrl);
  try {
    if (fromStream) {
      const nc = await connectNats(natsConfigFromEnv(`${SERVICE_NAME}-rebuild`));
      try {
        const replayed = await replayUsageStream(nc, busNamesFromEnv(), store.dataSource, logger);
        logger.info('calls replayed from the events stream', { ...replayed });
      } finally {
        await nc.drain();
      }
    }
    const calls = await recomputeDailyAggregates(store.dataSource);
    logger.info('daily aggregates rebuilt', { calls });
  } finally {
    await store.dataSource.destroy();
  }
} catch (err) {
  logger.error('rebuild failed', { err });
  process.exitCode = 1;
}
