/**
 * Rebuilds the usage projections (`node apps/usage-service/dist/rebuild-usage.js [--from-stream]`; see USAGE).
 *
 * usage.calls is the source of truth, kept from the event stream: one row per `usage.recorded`, never
 * updated. The daily aggregates are derived from it, so the plain rebuild gives the same figures as the
 * live projection, and is safe with the service running (see recomputeDailyAggregates). Should usage.calls
 * itself be lost, --from-stream restores it from the events (only as far back as the stream's retention).
 */
import { parseArgs } from 'node:util';
import { busNamesFromEnv, connectNats, natsConfigFromEnv } from '@switchboard/messaging';
import { createLogger } from '@switchboard/telemetry';
import { recomputeDailyAggregates } from './projection/usage.projection.js';
import { replayUsageStream } from './rebuild/usage-stream.replay.js';
import { openUsageStore, SERVICE_NAME } from './usage-service.bootstrap.js';

const USAGE = `usage: node apps/usage-service/dist/rebuild-usage.js [--from-stream] [-h | --help]

Recomputes the usage aggregates (usage.daily) from the stored calls (usage.calls); safe with usage-service running.
  --from-stream   first records every call the EVENTS stream still holds (restores usage.calls, as far back
                  as the stream's retention), then recomputes

Environment, as for the service: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/switchboard); with
--from-stream also NATS_URL (default nats://127.0.0.1:4222), SWITCHBOARD_NAMESPACE and the NATS_* credentials.
Exit codes: 0 rebuilt, 1 failed, 2 bad arguments.`;

async function rebuild(fromStream: boolean): Promise<number> {
  const logger = createLogger(`${SERVICE_NAME}/rebuild-usage`);
  const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';
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
    return 0;
  } catch (err) {
    logger.error('rebuild failed', { err });
    return 1;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let fromStream: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { 'from-stream': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    fromStream = values['from-stream'] === true;
  } catch (error) {
    process.stderr.write(`rebuild-usage: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  return rebuild(fromStream);
}

process.exitCode = await main(process.argv.slice(2));
