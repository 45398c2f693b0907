import { quotasFromEnv, runServiceMain } from '@switchboard/service-runtime';
import { SERVICE_NAME, startProvidersService } from './providers-service.bootstrap.js';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/switchboard';

await runServiceMain(SERVICE_NAME, 'providers', async ({ logger, nats, identity }) =>
  // SWITCHBOARD_QUOTA_<KIND>: a bad value stops the start, naming the variable.
  startProvidersService({ databaseUrl, nats, logger, identity, quotas: quotasFromEnv() }),
);
