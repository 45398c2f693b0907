import { newId, ProvidersOps } from '@switchboard/contracts';
import { agentRuns, inAnHour } from '../../test/agent-runs.fixture.js';
import { createTenant, errorCode, newKeyHash, operator, startTestStack, type TestStack, value } from '../../test/service.harness.js';

let stack: TestStack;
const { agentSetup, issueKey, startEvents } = agentRuns(() => stack);

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

const newTenant = (name: string) => createTenant(stack, name);

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
    const again = await stack.busAs('credentials').send(ProvidersOps.issueAgentKey, { tenantId, agentId: agent.id, startId, keyId, keyHash, expiresAt });
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
        stack.busAs('credentials').send(ProvidersOps.issueAgentKey, { tenantId, agentId: agent.id, startId, keyId: newId('key'), keyHash, expiresAt: inAnHour() }),
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
