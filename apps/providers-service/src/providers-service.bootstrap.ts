import type { INestMicroservice } from '@nestjs/common';
import { DEFAULT_QUOTAS, type QuotaLimits } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import type { NatsConfig } from '@switchboard/messaging';
import { openServiceStore, startService, type RunningService, type ServiceDefinition } from '@switchboard/service-runtime';
import type { Logger } from '@switchboard/telemetry';
import { AppModule } from './app.module.js';
import { READ_MODEL_MIGRATIONS, SCHEMA } from './read-models/read-models.migrations.js';
import { busTypeOf } from './shared/bus-types.js';
import { providerQuotas } from './shared/provider-quotas.js';
import type { ServiceIdentity } from '@switchboard/service-identity';

export const SERVICE_NAME = 'providers-service';

const SERVICE: ServiceDefinition = { name: SERVICE_NAME, schema: SCHEMA, busTypeOf, migrations: READ_MODEL_MIGRATIONS };

export interface ProvidersServiceOptions {
  databaseUrl: string;
  nats: NatsConfig;
  logger: Logger;
  identity: ServiceIdentity;
  /** Deployment-wide quotas (main: quotasFromEnv); DEFAULT_QUOTAS when left out. */
  quotas?: QuotaLimits;
}

export interface RunningProvidersService extends RunningService {
  readonly app: INestMicroservice;
  /** Stops taking requests, then the relay, then closes NATS and Postgres; safe to call more than once. */
  close(): Promise<void>;
}

/** Opens the data source on the service's schema with its migrations applied (event store and read models). */
export function openEventStore(databaseUrl: string): Promise<PgEventStore> {
  return openServiceStore(SERVICE, databaseUrl);
}

/** Everything main() starts, in one place so integration specs boot exactly what production runs. */
export function startProvidersService(options: ProvidersServiceOptions): Promise<RunningProvidersService> {
  const quotas = providerQuotas(options.quotas ?? DEFAULT_QUOTAS);
  return startService(SERVICE, options, async (runtime) => ({ app: await runtime.listen(await AppModule.forRoot(runtime.store, quotas)) }));
}
