import type { INestMicroservice } from '@nestjs/common';
import { DEFAULT_QUOTAS, type QuotaLimits } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import type { KmsPort } from '@switchboard/kms';
import { BusClient, type NatsConfig } from '@switchboard/messaging';
import { openServiceStore, startService, type RunningService, type ServiceDefinition } from '@switchboard/service-runtime';
import type { Logger } from '@switchboard/telemetry';
import { AppModule } from './app.module.js';
import { startAgentStartConsumer, type AgentStartConsumerOptions } from './issuance/agent-start.consumer.js';
import { IssueCredentialHandler } from './issuance/issue-credential/issue-credential.service.js';
import { CREDENTIALS_MIGRATIONS, SCHEMA } from './read-models/credentials.migrations.js';
import { ServiceKeys, type ServiceKeysLoaderOptions } from './service-keys/service-keys.js';
import { busTypeOf } from './shared/bus-types.js';
import { credentialsQuotas } from './shared/credentials-quotas.js';
import type { CredentialsSettings } from './shared/credentials.settings.js';
import type { ServiceIdentity } from '@switchboard/service-identity';

export const SERVICE_NAME = 'credentials-service';

const SERVICE: ServiceDefinition = { name: SERVICE_NAME, schema: SCHEMA, busTypeOf, migrations: CREDENTIALS_MIGRATIONS };

export interface CredentialsServiceOptions {
  databaseUrl: string;
  nats: NatsConfig;
  logger: Logger;
  identity: ServiceIdentity;
  /** Owned by the caller, who closes it after the service. */
  kms: KmsPort;
  settings: CredentialsSettings;
  serviceKeys?: ServiceKeysLoaderOptions;
  issuer?: AgentStartConsumerOptions;
  /** Deployment-wide quotas (main: quotasFromEnv); DEFAULT_QUOTAS when left out. */
  quotas?: QuotaLimits;
}

export interface RunningCredentialsService extends RunningService {
  readonly app: INestMicroservice;
  readonly serviceKeys: ServiceKeys;
  /** Stops the consumer and requests, then the relay, then closes NATS and Postgres; safe to call more than once. */
  close(): Promise<void>;
}

/** Opens the data source on the service's schema with its migrations applied (event store, read models, envelopes). */
export function openEventStore(databaseUrl: string): Promise<PgEventStore> {
  return openServiceStore(SERVICE, databaseUrl);
}

/** Everything main() starts, in one place so integration specs boot exactly what production runs. */
export function startCredentialsService(options: CredentialsServiceOptions): Promise<RunningCredentialsService> {
  return startService(SERVICE, options, async ({ store, nc, names, logger, onClose, listen }) => {
    const bus = BusClient.create({ ...options.nats, name: `${options.nats.name}-client` }, options.identity);
    onClose(() => bus.close());

    // In the background: with KMS down at start the service still answers health and issues nothing it
    // cannot, and the operations that need these keys answer `unavailable` until they are loaded.
    const serviceKeys = new ServiceKeys();
    serviceKeys.start(store, options.kms, logger.child({ component: 'service-keys' }), options.serviceKeys);
    onClose(() => serviceKeys.stop());

    const quotas = credentialsQuotas(options.quotas ?? DEFAULT_QUOTAS);
    const app = await listen(await AppModule.forRoot({ store, kms: options.kms, serviceKeys, bus, settings: options.settings, quotas }));
    // After listen, because it hands events to the app's handler; stopped before the app closes.
    const consumer = await startAgentStartConsumer(nc, names, app.get(IssueCredentialHandler), options.identity, logger.child({ component: 'issuer' }), options.issuer);
    onClose(() => consumer.stop());

    return { app, serviceKeys };
  });
}
