import { createKmsFromEnv, meteredKms } from '@switchboard/kms';
import { quotasFromEnv, runServiceMain } from '@switchboard/service-runtime';
import { SERVICE_NAME, startCredentialsService } from './credentials-service.bootstrap.js';
import { settingsFromEnv } from './shared/credentials.settings.js';

const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';

await runServiceMain(SERVICE_NAME, 'credentials', async ({ logger, nats, identity }) => {
  // These throw on bad configuration, naming the variables (never their values).
  const settings = settingsFromEnv();
  const quotas = quotasFromEnv();
  // KMS_BACKEND local (default; keys in KMS_LOCAL_DIR, default .switchboard/kms) or aws.
  const kms = meteredKms(createKmsFromEnv());
  const service = await startCredentialsService({ databaseUrl, nats, logger, identity, kms, settings, quotas });
  return {
    ready: { kmsBackend: kms.backend },
    async close() {
      await service.close();
      kms.close();
    },
  };
});
