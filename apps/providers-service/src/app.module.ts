import { Module, type DynamicModule } from '@nestjs/common';
import { PgEventStore } from '@switchboard/event-store';
import { TenantQuotas } from '@switchboard/service-runtime';
import { AgentsController } from './agents/agents.controller.js';
import { CreateAgentHandler } from './agents/create-agent/create-agent.handler.js';
import { DeleteAgentHandler } from './agents/delete-agent/delete-agent.handler.js';
import { GetAgentHandler } from './agents/get-agent/get-agent.handler.js';
import { ListAgentsHandler } from './agents/list-agents/list-agents.handler.js';
import { ResolveAgentRouteHandler } from './agents/resolve-agent-route/resolve-agent-route.handler.js';
import { StartAgentHandler } from './agents/start-agent/start-agent.handler.js';
import { StopAgentHandler } from './agents/stop-agent/stop-agent.handler.js';
import { UpdateAgentHandler } from './agents/update-agent/update-agent.handler.js';
import { HealthController } from './health/health.controller.js';
import { CreateKeyHandler } from './keys/create-key/create-key.handler.js';
import { InitOperatorKeyHandler } from './keys/init-operator-key/init-operator-key.handler.js';
import { IssueAgentKeyHandler } from './keys/issue-agent-key/issue-agent-key.handler.js';
import { KeysController } from './keys/keys.controller.js';
import { ListKeysHandler } from './keys/list-keys/list-keys.handler.js';
import { ResolveKeyHandler } from './keys/resolve-key/resolve-key.handler.js';
import { RevokeKeyHandler } from './keys/revoke-key/revoke-key.handler.js';
import { AddModelHandler } from './models/add-model/add-model.handler.js';
import { ListModelsHandler } from './models/list-models/list-models.handler.js';
import { ModelsController } from './models/models.controller.js';
import { RecordDiscoveredModelsHandler } from './models/record-discovered-models/record-discovered-models.handler.js';
import { RemoveModelHandler } from './models/remove-model/remove-model.handler.js';
import { DeleteProviderHandler } from './providers/delete-provider/delete-provider.handler.js';
import { GetProviderHandler } from './providers/get-provider/get-provider.handler.js';
import { ListProvidersHandler } from './providers/list-providers/list-providers.handler.js';
import { ProviderHistoryHandler } from './providers/provider-history/provider-history.handler.js';
import { ProvidersController } from './providers/providers.controller.js';
import { RegisterProviderHandler } from './providers/register-provider/register-provider.handler.js';
import { SecretDependentsHandler } from './providers/secret-dependents/secret-dependents.handler.js';
import { UpdateProviderHandler } from './providers/update-provider/update-provider.handler.js';
import { CreateTenantHandler } from './tenants/create-tenant/create-tenant.handler.js';
import { GetTenantSettingsHandler } from './tenants/get-tenant-settings/get-tenant-settings.handler.js';
import { UpdateTenantSettingsHandler } from './tenants/update-tenant-settings/update-tenant-settings.handler.js';
import { GetTenantQuotasHandler, SetTenantQuotasHandler } from './tenants/tenant-quotas/tenant-quotas.handler.js';
import { TenantsController } from './tenants/tenants.controller.js';

const handlers = [
  CreateTenantHandler,
  GetTenantSettingsHandler,
  UpdateTenantSettingsHandler,
  GetTenantQuotasHandler,
  SetTenantQuotasHandler,
  InitOperatorKeyHandler,
  ResolveKeyHandler,
  CreateKeyHandler,
  ListKeysHandler,
  RevokeKeyHandler,
  IssueAgentKeyHandler,
  RegisterProviderHandler,
  ListProvidersHandler,
  GetProviderHandler,
  UpdateProviderHandler,
  DeleteProviderHandler,
  ProviderHistoryHandler,
  SecretDependentsHandler,
  AddModelHandler,
  ListModelsHandler,
  RemoveModelHandler,
  RecordDiscoveredModelsHandler,
  CreateAgentHandler,
  ListAgentsHandler,
  GetAgentHandler,
  UpdateAgentHandler,
  DeleteAgentHandler,
  StartAgentHandler,
  StopAgentHandler,
  ResolveAgentRouteHandler,
];

/** The store is built and migrated before Nest starts, so a service that cannot reach Postgres never listens. */
@Module({})
export class AppModule {
  static forRoot(store: PgEventStore, quotas: TenantQuotas): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, TenantsController, KeysController, ProvidersController, ModelsController, AgentsController],
      providers: [{ provide: PgEventStore, useValue: store }, { provide: TenantQuotas, useValue: quotas }, ...handlers],
    };
  }
}
