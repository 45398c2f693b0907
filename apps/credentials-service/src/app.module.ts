import { Module, type DynamicModule } from '@nestjs/common';
import { PgEventStore } from '@switchboard/event-store';
import type { KmsPort } from '@switchboard/kms';
import { BusClient, loadUseCases, operationsController, useCasesOf } from '@switchboard/messaging';
import { CredentialsOps, WebhookSecretOps } from '@switchboard/contracts';
import { CqrsModule } from '@nestjs/cqrs';
import { TenantQuotas } from '@switchboard/service-runtime';
import { HealthController } from './health/health.controller.js';
import { IssueCredentialHandler } from './issuance/issue-credential/issue-credential.service.js';
import { SecretVault } from './secrets/secret.vault.js';
import { ServiceKeys } from './service-keys/service-keys.js';
import { CREDENTIALS_SETTINGS, KMS, type CredentialsSettings } from './shared/credentials.settings.js';
import { WebhookSecrets } from './webhook-secrets/webhook-secrets.service.js';
import { TenantKeys } from './tenant-keys/tenant-keys.js';

export interface AppDependencies {
  readonly store: PgEventStore;
  readonly kms: KmsPort;
  readonly serviceKeys: ServiceKeys;
  /** Requests to providers-service (secret dependents, agent keys). */
  readonly bus: BusClient;
  readonly settings: CredentialsSettings;
  readonly quotas: TenantQuotas;
}

/**
 * The service's use cases are the `*.handler` classes below this folder, each registered by its own decorator
 * (CommandOperation, QueryOperation): adding one is adding its folder. Issuance runs from the agent-start consumer,
 * not the bus's request/reply. Store, KMS, keys and bus client are built before Nest starts, so a service that cannot
 * reach Postgres never listens.
 */
@Module({})
export class AppModule {
  static async forRoot(deps: AppDependencies): Promise<DynamicModule> {
    await loadUseCases(new URL('.', import.meta.url));
    const useCases = [...useCasesOf(CredentialsOps), ...useCasesOf(WebhookSecretOps)];
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, operationsController(useCases)],
      providers: [
        { provide: PgEventStore, useValue: deps.store },
        { provide: KMS, useValue: deps.kms },
        { provide: ServiceKeys, useValue: deps.serviceKeys },
        { provide: BusClient, useValue: deps.bus },
        { provide: CREDENTIALS_SETTINGS, useValue: deps.settings },
        { provide: TenantQuotas, useValue: deps.quotas },
        TenantKeys,
        SecretVault,
        WebhookSecrets,
        IssueCredentialHandler,
        ...useCases.map((u) => u.handler),
      ],
    };
  }
}
