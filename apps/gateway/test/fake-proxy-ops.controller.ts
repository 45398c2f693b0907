import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DEFAULT_TENANT_SETTINGS, ProvidersOps, appError, fail, newId, ok, type ModelView, type TenantSettings } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { FAKE_STATE, FakeProvidersState, owned, type Req, type Res } from './fake-providers.service.js';

/** The route's snapshot of the tenant's settings (without the aggregate's version). */
function tenantSettingsOf(stored: TenantSettings | undefined): TenantSettings {
  const { unpricedModels, serverHistoryTokens, serverToolCallUsd } = stored ?? DEFAULT_TENANT_SETTINGS;
  return { unpricedModels, serverHistoryTokens, serverToolCallUsd };
}

/** The operations the proxy and model discovery need from providers-service, over the fake's state. */
@Controller()
export class FakeProxyOpsController {
  constructor(@Inject(FAKE_STATE) private readonly s: FakeProvidersState) {}

  @HandleOperation(ProvidersOps.resolveAgentRoute)
  async resolveAgentRoute(@Payload() r: Req<'resolveAgentRoute'>): Res<'resolveAgentRoute'> {
    this.s.routeLookups++;
    const agent = owned(this.s.agents, r.agentId, r.tenantId);
    if (!agent) return fail(appError('agent_not_found', `agent ${r.agentId} not found`));
    const provider = owned(this.s.providers, agent.providerId, r.tenantId);
    if (!provider) return fail(appError('provider_not_found', `provider ${agent.providerId} not found`));
    const models = [...this.s.models.values()].filter((m) => m.providerId === provider.id);
    return ok({
      tenantId: r.tenantId,
      agent: { id: agent.id, name: agent.name, model: agent.model, delivery: agent.delivery, monthlyBudgetUsd: agent.monthlyBudgetUsd },
      provider: {
        id: provider.id,
        type: provider.type,
        protocol: provider.protocol,
        endpoint: provider.endpoint,
        authMethod: provider.authMethod,
        organizationId: provider.organizationId,
        defaultModel: provider.defaultModel,
        rateLimitRpm: provider.rateLimitRpm,
        monthlyBudgetUsd: provider.monthlyBudgetUsd,
        secretId: provider.credential?.secretId ?? null,
        credentialStatus: provider.credentialStatus,
      },
      models: models.map((m) => ({
        id: m.id,
        name: m.name,
        upstreamModel: m.upstreamModel,
        price: m.price,
        createdAt: m.createdAt,
      })),
      tenant: tenantSettingsOf(this.s.tenantSettings.get(r.tenantId)),
    });
  }

  @HandleOperation(ProvidersOps.recordCredentialCheck)
  async recordCredentialCheck(@Payload() r: Req<'recordCredentialCheck'>): Res<'recordCredentialCheck'> {
    const provider = owned(this.s.providers, r.providerId, r.tenantId);
    if (!provider || (provider.credential?.secretId ?? null) !== r.secretId) return ok({ recorded: false });
    this.s.providers.set(provider.id, { ...provider, credentialStatus: { state: r.state, checkedAt: new Date().toISOString(), detail: r.detail } });
    return ok({ recorded: true });
  }

  @HandleOperation(ProvidersOps.recordDiscoveredModels)
  async recordDiscoveredModels(@Payload() r: Req<'recordDiscoveredModels'>): Res<'recordDiscoveredModels'> {
    const provider = owned(this.s.providers, r.providerId, r.actor.tenantId);
    if (!provider) return fail(appError('provider_not_found', `provider ${r.providerId} not found`));
    const existing = [...this.s.models.values()].filter((m) => m.providerId === provider.id);
    for (const found of r.models) {
      if (existing.some((m) => m.upstreamModel === found.upstreamModel || m.name === found.upstreamModel)) continue;
      const view = {
        tenantId: provider.tenantId,
        id: newId('model'),
        providerId: provider.id,
        name: found.upstreamModel,
        upstreamModel: found.upstreamModel,
        source: 'discovered' as const,
        price: null,
        priceKnown: false,
        createdAt: found.createdAt ?? new Date().toISOString(),
      };
      this.s.models.set(view.id, view);
    }
    this.s.discoveries.push(provider.id);
    const data: ModelView[] = [...this.s.models.values()]
      .filter((m) => m.providerId === provider.id)
      .map(({ tenantId: _t, ...view }) => view);
    return ok({ data, nextCursor: null, omitted: 0 });
  }

  @HandleOperation(ProvidersOps.secretDependents)
  async secretDependents(@Payload() r: Req<'secretDependents'>): Res<'secretDependents'> {
    const providers = [...this.s.providers.values()].filter((p) => p.tenantId === r.actor.tenantId && p.credential?.secretId === r.secretId);
    return ok({ providers: providers.map((p) => p.id) });
  }
}
