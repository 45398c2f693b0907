import { newId, ProvidersOps, type ProviderView, type StartProviderSnapshot } from '@switchboard/contracts';
import { createTenant, newKeyHash, value, type TestStack } from './service.harness.js';

export const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

export interface StartEventRow {
  stream_id: string;
  version: number;
  position: string;
  data: { startId: string; provider: StartProviderSnapshot | null };
}

/** Helpers of the agent start/stop specs, bound to the stack a spec file starts in beforeAll. */
export function agentRuns(getStack: () => TestStack) {
  const stackNow = () => getStack();

  /** A tenant with an OpenAI provider (default model gpt-4o) and one agent on it. */
  async function agentSetup(name: string, agentModel?: string) {
    const { tenantId, admin } = await createTenant(stackNow(), name);
    const provider = value(
      await stackNow().bus.send(ProvidersOps.registerProvider, {
        actor: admin,
        body: { name: 'main', type: 'openai', secretId: 'sec_main', organizationId: 'org_1', defaultModel: 'gpt-4o' },
      }),
    );
    const agent = value(
      await stackNow().bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'runner', providerId: provider.id, model: agentModel } }),
    );
    return { tenantId, admin, provider, agent };
  }

  async function issueKey(tenantId: string, agentId: string, startId: string, expiresAt = inAnHour()) {
    const keyHash = newKeyHash();
    const keyId = newId('key');
    const issued = await stackNow().busAs('credentials').send(ProvidersOps.issueAgentKey, { tenantId, agentId, startId, keyId, keyHash, expiresAt });
    return { keyId, keyHash, issued };
  }

  function db() {
    const service = stackNow().services[0];
    if (!service) throw new Error('no service running');
    return service.store.dataSource;
  }

  /** The AgentStartRequested events recorded for an agent, in position order. */
  function startEvents(agentId: string): Promise<StartEventRow[]> {
    return db().query(
      `SELECT stream_id, version, position::text, data FROM providers.events
        WHERE type = 'AgentStartRequested' AND data->>'agentId' = $1 ORDER BY position`,
      [agentId],
    );
  }

  async function runningStart(tenantId: string, agentId: string, startId: string): Promise<boolean> {
    const rows: unknown[] = await db().query(
      `SELECT 1 FROM providers.agent_starts WHERE id = $1 AND agent_id = $2 AND tenant_id = $3 AND stopped_at IS NULL`,
      [startId, agentId, tenantId],
    );
    return rows.length > 0;
  }

  return { agentSetup, issueKey, db, startEvents, runningStart };
}

/** The snapshot a start of an agent without a model of its own carries for this provider. */
export function snapshotOf(provider: ProviderView): StartProviderSnapshot {
  return {
    id: provider.id,
    type: provider.type,
    protocol: provider.protocol,
    endpoint: provider.endpoint,
    authMethod: provider.authMethod,
    organizationId: provider.organizationId,
    model: provider.defaultModel,
    secretId: provider.credential?.secretId ?? null,
  };
}
