import { newId, ProvidersOps, type Actor, type ProviderView, type Result, type StartProviderSnapshot } from '@switchboard/contracts';
import { adminOf, newKeyHash, operator, startTestStack, type TestStack } from '../testing/service.harness.js';

let stack: TestStack;

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

const errorCode = (result: Result<unknown>): string | undefined => (result.ok ? undefined : result.error.code);
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function newTenant(name: string): Promise<{ tenantId: string; admin: Actor }> {
  const adminKeyId = newId('key');
  const tenant = value(await stack.bus.send(ProvidersOps.createTenant, { actor: operator, name, adminKeyId, adminKeyHash: newKeyHash() }));
  return { tenantId: tenant.id, admin: adminOf(tenant.id, adminKeyId) };
}

/** A tenant with an OpenAI provider (default model gpt-4o) and one agent on it. */
async function agentSetup(name: string, agentModel?: string) {
  const { tenantId, admin } = await newTenant(name);
  const provider = value(
    await stack.bus.send(ProvidersOps.registerProvider, {
      actor: admin,
      body: { name: 'main', type: 'openai', secretId: 'sec_main', organizationId: 'org_1', defaultModel: 'gpt-4o' },
    }),
  );
  const agent = value(
    await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'runner', providerId: provider.id, model: agentModel } }),
  );
  return { tenantId, admin, provider, agent };
}

async function issueKey(tenantId: string, agentId: string, startId: string, expiresAt = inAnHour()) {
  const keyHash = newKeyHash();
  const keyId = newId('key');
  const issued = await stack.bus.send(ProvidersOps.issueAgentKey, { tenantId, agentId, startId, keyId, keyHash, expiresAt });
  return { keyId, keyHash, issued };
}

function db() {
  const service = stack.services[0];
  if (!service) throw new Error('no service running');
  return service.store.dataSource;
}

interface StartEventRow {
  stream_id: string;
  version: number;
  position: string;
  data: { startId: string; provider: StartProviderSnapshot | null };
}

/** The AgentStartRequested events recorded for an agent, in position order. */
function startEvents(agentId: string): Promise<StartEventRow[]> {
  return db().query(
    `SELECT stream_id, version, position::text, data FROM providers.events
      WHERE type = 'AgentStartRequested' AND data->>'agentId' = $1 ORDER BY position`,
    [agentId],
  );
}

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

describe('agent starts and stops over the bus', () => {
  it('records a start with a snapshot of the provider and publishes agent.start_requested', async () => {
    const { tenantId, admin, provider, agent } = await agentSetup('Starts');
    const { startId } = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_orchestrator' }));
    expect(startId).toMatch(/^stt_/);

    const published = await stack.lastEvent(tenantId, 'agent.start_requested');
    expect(published?.json()).toEqual({
      eventId: expect.stringMatching(/^evt_/),
      type: 'agent.start_requested',
      tenantId,
      at: expect.any(String),
      agentId: agent.id,
      startId,
      recipientId: 'rcp_orchestrator',
      delivery: 'proxy',
      provider: {
        id: provider.id,
        type: 'openai',
        protocol: 'openai',
        endpoint: 'https://api.openai.com/v1',
        authMethod: 'bearer',
        organizationId: 'org_1',
        model: 'gpt-4o',
        secretId: 'sec_main',
      },
    });
    // The start is on a stream of its own: the agent's version (its ETag) stays, so an If-Match taken before works.
    const [event] = await startEvents(agent.id);
    expect(event).toMatchObject({ stream_id: `agent-start-${startId}`, version: 1 });
    const after = value(await stack.bus.send(ProvidersOps.getAgent, { actor: admin, id: agent.id }));
    expect(after.version).toBe(agent.version);
    const updated = await stack.bus.send(ProvidersOps.updateAgent, {
      actor: admin,
      id: agent.id,
      expectedVersion: agent.version,
      changes: { delivery: 'direct' },
    });
    expect(value(updated).delivery).toBe('direct');
  });

  it("prefers the agent's model and records its delivery", async () => {
    const { tenantId, admin, agent } = await agentSetup('Agent model', 'gpt-4o-mini');
    value(await stack.bus.send(ProvidersOps.updateAgent, { actor: admin, id: agent.id, changes: { delivery: 'direct' } }));
    value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    expect((await stack.lastEvent(tenantId, 'agent.start_requested'))?.json()).toMatchObject({
      delivery: 'direct',
      provider: { model: 'gpt-4o-mini' },
    });
  });

  it('refuses to start or stop a deleted agent, or another tenant’s', async () => {
    const { admin, agent } = await agentSetup('Gone');
    const { admin: intruder } = await newTenant('Intruder');
    expect(errorCode(await stack.bus.send(ProvidersOps.startAgent, { actor: intruder, id: agent.id, recipientId: 'rcp_1' }))).toBe(
      'agent_not_found',
    );
    expect(errorCode(await stack.bus.send(ProvidersOps.stopAgent, { actor: intruder, id: agent.id }))).toBe('agent_not_found');
    value(await stack.bus.send(ProvidersOps.deleteAgent, { actor: admin, id: agent.id }));
    expect(errorCode(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }))).toBe(
      'agent_not_found',
    );
    expect(errorCode(await stack.bus.send(ProvidersOps.stopAgent, { actor: admin, id: agent.id }))).toBe('agent_not_found');
  });

  it('issues an agent key for a running start, idempotently, and refuses unknown starts and agents', async () => {
    const { tenantId, admin, agent } = await agentSetup('Issue');
    const { startId } = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    const expiresAt = inAnHour();
    const { keyId, keyHash, issued } = await issueKey(tenantId, agent.id, startId, expiresAt);
    expect(value(issued)).toEqual({ keyId });
    const again = await stack.bus.send(ProvidersOps.issueAgentKey, { tenantId, agentId: agent.id, startId, keyId, keyHash, expiresAt });
    expect(value(again)).toEqual({ keyId });

    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash }))).toEqual({ keyId, tenantId, role: 'agent', agentId: agent.id });
    const keys = value(await stack.bus.send(ProvidersOps.listKeys, { actor: admin })).data;
    expect(keys).toContainEqual(expect.objectContaining({ id: keyId, name: `agent ${agent.id} start ${startId}`, role: 'agent' }));
    expect((await stack.lastEvent(tenantId, 'key.created'))?.json()).toMatchObject({ keyId, startId, expiresAt });

    expect(errorCode((await issueKey(tenantId, agent.id, newId('start'))).issued)).toBe('agent_not_found');
    expect(errorCode((await issueKey(tenantId, newId('agent'), startId)).issued)).toBe('agent_not_found');
    const other = await newTenant('Other issue');
    expect(errorCode((await issueKey(other.tenantId, agent.id, startId)).issued)).toBe('agent_not_found');
    const past = await issueKey(tenantId, agent.id, startId, new Date(Date.now() - 1000).toISOString());
    expect(errorCode(past.issued)).toBe('validation_failed');
  });

  it('stops resolving an issued key once it expires', async () => {
    const { tenantId, admin, agent } = await agentSetup('Expiry');
    const { startId } = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    const expiresAt = new Date(Date.now() + 1_000);
    const { keyId, keyHash, issued } = await issueKey(tenantId, agent.id, startId, expiresAt.toISOString());
    value(issued);
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash })).keyId).toBe(keyId);
    await new Promise((resolve) => setTimeout(resolve, Math.max(expiresAt.getTime() - Date.now() + 100, 0)));
    expect(errorCode(await stack.bus.send(ProvidersOps.resolveKey, { keyHash }))).toBe('unauthorized');
    expect(value(await stack.bus.send(ProvidersOps.listKeys, { actor: admin })).data.map((k) => k.id)).not.toContain(keyId);
  });

  it('revokes the keys issued at starts on stop, in one transaction with AgentStopped, and refuses keys after it', async () => {
    const { tenantId, admin, agent } = await agentSetup('Stop');
    const first = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    const second = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    const a = await issueKey(tenantId, agent.id, first.startId);
    const b = await issueKey(tenantId, agent.id, second.startId);
    value(a.issued);
    value(b.issued);
    // A key an admin created for the agent is not a start's key: stop leaves it alone.
    const manualHash = newKeyHash();
    value(
      await stack.bus.send(ProvidersOps.createKey, {
        actor: admin,
        keyId: newId('key'),
        keyHash: manualHash,
        body: { name: 'manual', role: 'agent', agentId: agent.id },
      }),
    );

    expect(value(await stack.bus.send(ProvidersOps.stopAgent, { actor: admin, id: agent.id }))).toEqual({ revokedKeys: 2 });
    for (const keyHash of [a.keyHash, b.keyHash]) {
      expect(errorCode(await stack.bus.send(ProvidersOps.resolveKey, { keyHash }))).toBe('unauthorized');
    }
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash: manualHash })).role).toBe('agent');
    const stopped = (await stack.lastEvent(tenantId, 'agent.stopped'))?.json<{ revokedKeyIds: string[] }>();
    expect(stopped?.revokedKeyIds.sort()).toEqual([a.keyId, b.keyId].sort());
    const db = stack.services[0]?.store.dataSource;
    if (!db) throw new Error('no service running');
    const transactions: { transaction_id: string }[] = await db.query(
      `SELECT DISTINCT transaction_id::text FROM providers.events WHERE type IN ('AgentStopped', 'KeyRevoked') AND stream_id = ANY($1)`,
      [[`agent-${agent.id}`, `key-${a.keyId}`, `key-${b.keyId}`]],
    );
    expect(transactions).toHaveLength(1);

    expect(errorCode((await issueKey(tenantId, agent.id, first.startId)).issued)).toBe('agent_not_found');
    expect(value(await stack.bus.send(ProvidersOps.stopAgent, { actor: admin, id: agent.id }))).toEqual({ revokedKeys: 0 });
    const third = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    value((await issueKey(tenantId, agent.id, third.startId)).issued);
  });

  it('never leaves a working key behind when a key is issued while the agent stops', async () => {
    const { tenantId, admin, agent } = await agentSetup('Race stop');
    for (let round = 0; round < 5; round++) {
      const { startId } = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
      const keyHash = newKeyHash();
      const [issued, stopped] = await Promise.all([
        stack.bus.send(ProvidersOps.issueAgentKey, { tenantId, agentId: agent.id, startId, keyId: newId('key'), keyHash, expiresAt: inAnHour() }),
        stack.bus.send(ProvidersOps.stopAgent, { actor: admin, id: agent.id }),
      ]);
      expect(stopped.ok).toBe(true);
      if (!issued.ok) expect(issued.error.code).toBe('agent_not_found');
      expect(errorCode(await stack.bus.send(ProvidersOps.resolveKey, { keyHash }))).toBe('unauthorized');
    }
  });

  it('names the live providers of the tenant that use a secret', async () => {
    const { admin } = await newTenant('Dependents');
    const register = async (name: string, secretId?: string) =>
      value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name, type: 'anthropic', secretId } }));
    const one = await register('one', 'sec_shared');
    const two = await register('two', 'sec_shared');
    await register('three', 'sec_other');
    await register('four');
    const gone = await register('gone', 'sec_shared');
    value(await stack.bus.send(ProvidersOps.deleteProvider, { actor: admin, id: gone.id }));

    const dependents = await stack.bus.send(ProvidersOps.secretDependents, { actor: admin, secretId: 'sec_shared' });
    expect(value(dependents)).toEqual({ providers: [one.id, two.id] });
    const { admin: other } = await newTenant('Dependents elsewhere');
    expect(value(await stack.bus.send(ProvidersOps.secretDependents, { actor: other, secretId: 'sec_shared' }))).toEqual({ providers: [] });
    expect(errorCode(await stack.bus.send(ProvidersOps.secretDependents, { actor: operator, secretId: 'sec_shared' }))).toBe('forbidden');
  });
});

/** The snapshot a start of an agent without a model of its own carries for this provider. */
function snapshotOf(provider: ProviderView): StartProviderSnapshot {
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

describe('concurrent starts of one agent', () => {
  it('all succeed, each on a stream of its own, and leave the agent’s version alone', async () => {
    const { tenantId, admin, provider, agent } = await agentSetup('Fan out');
    const starts = await Promise.all(
      Array.from({ length: 32 }, () => stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_fan' })),
    );
    const startIds = starts.map((start) => value(start).startId);
    expect(new Set(startIds).size).toBe(32);

    const events = await startEvents(agent.id);
    expect(events.map((e) => e.data.startId).sort()).toEqual([...startIds].sort());
    for (const event of events) {
      expect(event).toMatchObject({ stream_id: `agent-start-${event.data.startId}`, version: 1 });
      expect(event.data.provider).toEqual(snapshotOf(provider));
    }
    const rows: { id: string }[] = await db().query(
      `SELECT id FROM providers.agent_starts WHERE agent_id = $1 AND tenant_id = $2 AND stopped_at IS NULL`,
      [agent.id, tenantId],
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...startIds].sort());

    // The agent's stream saw nothing but its creation: an If-Match taken before the starts still matches.
    expect(value(await stack.bus.send(ProvidersOps.getAgent, { actor: admin, id: agent.id })).version).toBe(agent.version);
    const renamed = await stack.bus.send(ProvidersOps.updateAgent, {
      actor: admin,
      id: agent.id,
      expectedVersion: agent.version,
      changes: { name: 'renamed' },
    });
    expect(value(renamed).name).toBe('renamed');
  });

  it('carry the provider the agent had when each committed, whole, while the agent moves between providers', async () => {
    const { admin, provider: first, agent } = await agentSetup('Moves');
    const second = value(
      await stack.bus.send(ProvidersOps.registerProvider, {
        actor: admin,
        body: { name: 'second', type: 'anthropic', secretId: 'sec_second', defaultModel: 'claude-sonnet' },
      }),
    );
    const snapshots = new Map([first, second].map((p) => [p.id, snapshotOf(p)]));
    let target = second;
    for (let round = 0; round < 6; round++) {
      const seen = (await startEvents(agent.id)).length;
      const [moved, ...starts] = await Promise.all([
        stack.bus.send(ProvidersOps.updateAgent, { actor: admin, id: agent.id, changes: { providerId: target.id } }),
        ...Array.from({ length: 8 }, () => stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' })),
      ]);
      expect(value(moved).providerId).toBe(target.id);
      for (const start of starts) value(start);

      const events = (await startEvents(agent.id)).slice(seen);
      expect(events).toHaveLength(8);
      for (const event of events) {
        const carried = event.data.provider;
        // Either provider may win the race, but a snapshot is always one provider's, never a mix of two.
        expect(carried).not.toBeNull();
        expect(carried).toEqual(snapshots.get(carried?.id ?? ''));
      }
      const rows: { id: string; provider_id: string }[] = await db().query(
        `SELECT id, provider_id FROM providers.agent_starts WHERE id = ANY($1)`,
        [events.map((e) => e.data.startId)],
      );
      expect(new Map(rows.map((r) => [r.id, r.provider_id]))).toEqual(new Map(events.map((e) => [e.data.startId, e.data.provider?.id])));

      // Once the move has answered, every start carries the new provider.
      const { startId } = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
      expect((await startEvents(agent.id)).find((e) => e.data.startId === startId)?.data.provider).toEqual(snapshots.get(target.id));
      target = target.id === second.id ? first : second;
    }
  });

  it('are recorded with the agent’s provider or refused while the agent is deleted, never after', async () => {
    for (let round = 0; round < 6; round++) {
      const { admin, provider, agent } = await agentSetup(`Deleted ${round}`);
      const [deleted, ...starts] = await Promise.all([
        stack.bus.send(ProvidersOps.deleteAgent, { actor: admin, id: agent.id }),
        ...Array.from({ length: 8 }, () => stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' })),
      ]);
      value(deleted);
      const recorded = starts.filter((s) => s.ok).map((s) => value(s).startId);
      for (const start of starts) if (!start.ok) expect(start.error.code).toBe('agent_not_found');

      const events = await startEvents(agent.id);
      expect(events.map((e) => e.data.startId).sort()).toEqual([...recorded].sort());
      for (const event of events) expect(event.data.provider).toEqual(snapshotOf(provider));
      // The deletion waited for the starts holding the agent's row; later ones found it gone, as does this one.
      expect(errorCode(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }))).toBe(
        'agent_not_found',
      );
    }
  });

  it('are stopped by a concurrent stop exactly when positioned before it, and their keys with them', async () => {
    const { tenantId, admin, agent } = await agentSetup('Stop races');
    for (let round = 0; round < 4; round++) {
      const [stopped, ...starts] = await Promise.all([
        stack.bus.send(ProvidersOps.stopAgent, { actor: admin, id: agent.id }),
        ...Array.from({ length: 8 }, () => stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' })),
      ]);
      value(stopped);
      for (const start of starts) value(start);
      const [stop]: { position: string }[] = await db().query(
        `SELECT position::text FROM providers.events WHERE stream_id = $1 AND type = 'AgentStopped' ORDER BY version DESC LIMIT 1`,
        [`agent-${agent.id}`],
      );
      const stopPosition = BigInt(stop?.position ?? 0);
      const byId = new Map((await startEvents(agent.id)).map((e) => [e.data.startId, BigInt(e.position)]));
      for (const start of starts) {
        const { startId } = value(start);
        const before = (byId.get(startId) ?? 0n) < stopPosition;
        expect(await runningStart(tenantId, agent.id, startId)).toBe(!before);
        // A key for a start the stop covered is refused; one for a later start works.
        const { issued } = await issueKey(tenantId, agent.id, startId);
        expect(issued.ok).toBe(!before);
      }
      // A stop after all of them revokes every key issued meanwhile.
      const later = starts.filter((s) => (byId.get(value(s).startId) ?? 0n) > stopPosition).length;
      expect(value(await stack.bus.send(ProvidersOps.stopAgent, { actor: admin, id: agent.id })).revokedKeys).toBe(later);
    }
  });
});

async function runningStart(tenantId: string, agentId: string, startId: string): Promise<boolean> {
  const rows: unknown[] = await db().query(
    `SELECT 1 FROM providers.agent_starts WHERE id = $1 AND agent_id = $2 AND tenant_id = $3 AND stopped_at IS NULL`,
    [startId, agentId, tenantId],
  );
  return rows.length > 0;
}
