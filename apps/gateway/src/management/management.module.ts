import { Module } from '@nestjs/common';
import { AgentsController } from '../agents/agents.controller.js';
import { AuthModule } from '../auth/auth.module.js';
import { ProviderCredentials } from '../credentials/provider-credentials.service.js';
import { SecretValues } from '../credentials/secret-values.service.js';
import { TransportKeyCache } from '../credentials/transport-key.cache.js';
import { KeysController } from '../keys/keys.controller.js';
import { MeController } from '../keys/me.controller.js';
import { ModelsController } from '../models/models.controller.js';
import { ProviderRegistration } from '../providers/provider-registration.service.js';
import { ProxyModule } from '../proxy/proxy.module.js';
import { ProvidersController } from '../providers/providers.controller.js';
import { CredentialIssuerController } from '../recipients/credential-issuer.controller.js';
import { RecipientsController } from '../recipients/recipients.controller.js';
import { SecretsController } from '../secrets/secrets.controller.js';
import { SettingsController } from '../settings/settings.controller.js';
import { TenantsController } from '../tenants/tenants.controller.js';
import { UsageRoutesModule } from '../usage/usage-routes.module.js';

/**
 * The management REST API (/v1/tenants, settings, keys, providers, models, agents, secrets, recipients): thin controllers
 * over ProvidersOps and CredentialsOps; secret values only pass through SecretValues.
 */
@Module({
  imports: [AuthModule, ProxyModule, UsageRoutesModule],
  controllers: [
    TenantsController,
    KeysController,
    MeController,
    ProvidersController,
    ModelsController,
    AgentsController,
    SecretsController,
    RecipientsController,
    CredentialIssuerController,
    SettingsController,
  ],
  providers: [TransportKeyCache, SecretValues, ProviderCredentials, ProviderRegistration],
})
export class ManagementModule {}
