import { Module, type DynamicModule } from '@nestjs/common';
import { PgEventStore } from '@switchboard/event-store';
import type { KmsPort } from '@switchboard/kms';
import { BusClient } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import { HealthController } from './health/health.controller.js';
import { TenantQuotasController } from './quotas/tenant-quotas.controller.js';
import { IssueCredentialHandler } from './issuance/issue-credential/issue-credential.handler.js';
import { ListRecipientsHandler } from './recipients/list-recipients/list-recipients.handler.js';
import { RecipientsController } from './recipients/recipients.controller.js';
import { RegisterRecipientHandler } from './recipients/register-recipient/register-recipient.handler.js';
import { CreateSecretHandler } from './secrets/create-secret/create-secret.handler.js';
import { DeleteSecretHandler } from './secrets/delete-secret/delete-secret.handler.js';
import { DescribeSecretsHandler } from './secrets/describe-secrets/describe-secrets.handler.js';
import { GatewayCredentialHandler } from './secrets/gateway-credential/gateway-credential.handler.js';
import { GetSecretHandler } from './secrets/get-secret/get-secret.handler.js';
import { ListSecretsHandler } from './secrets/list-secrets/list-secrets.handler.js';
import { RevealSecretHandler } from './secrets/reveal-secret/reveal-secret.handler.js';
import { RotateSecretHandler } from './secrets/rotate-secret/rotate-secret.handler.js';
import { SecretsController } from './secrets/secrets.controller.js';
import { SecretVault } from './secrets/secret.vault.js';
import { ServiceKeys } from './service-keys/service-keys.js';
import { TransportKeyController } from './service-keys/transport-key.controller.js';
import { CREDENTIALS_SETTINGS, KMS, type CredentialsSettings } from './shared/credentials.settings.js';

export interface AppDependencies {
  readonly store: PgEventStore;
  readonly kms: KmsPort;
  readonly serviceKeys: ServiceKeys;
  /** Requests to providers-service (secret dependents, agent keys). */
  readonly bus: BusClient;
  readonly settings: CredentialsSettings;
  readonly quotas: TenantQuotas;
}

const handlers = [
  SecretVault,
  CreateSecretHandler,
  ListSecretsHandler,
  GetSecretHandler,
  DescribeSecretsHandler,
  RotateSecretHandler,
  RevealSecretHandler,
  DeleteSecretHandler,
  GatewayCredentialHandler,
  RegisterRecipientHandler,
  ListRecipientsHandler,
  IssueCredentialHandler,
];

/** Store, KMS, keys and bus client are built before Nest starts, so a service that cannot reach Postgres never listens. */
@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, TransportKeyController, SecretsController, RecipientsController, TenantQuotasController],
      providers: [
        { provide: PgEventStore, useValue: deps.store },
        { provide: KMS, useValue: deps.kms },
        { provide: ServiceKeys, useValue: deps.serviceKeys },
        { provide: BusClient, useValue: deps.bus },
        { provide: CREDENTIALS_SETTINGS, useValue: deps.settings },
        { provide: TenantQuotas, useValue: deps.quotas },
        ...handlers,
      ],
    };
  }
}
