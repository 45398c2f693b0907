import { runServiceMain } from '@switchboard/service-runtime';
import { SERVICE_NAME, startUsageService } from './usage-service.bootstrap.js';

const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';
const admissionCommit = process.env['USAGE_ADMISSION_COMMIT'] || 'fast';
if (admissionCommit !== 'fast' && admissionCommit !== 'durable') {
  process.stderr.write(`usage-service: USAGE_ADMISSION_COMMIT must be fast or durable, got ${admissionCommit}\n`);
  process.exit(2);
}

await runServiceMain(SERVICE_NAME, 'usage', async ({ logger, nats, identity }) =>
  startUsageService({ databaseUrl, nats, logger, identity, admissionCommit }),
);
