import { runServiceMain } from '@switchboard/service-runtime';
import { SERVICE_NAME, startUsageService } from './usage-service.bootstrap.js';

const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';

await runServiceMain(SERVICE_NAME, async ({ logger, nats }) => startUsageService({ databaseUrl, nats, logger }));
