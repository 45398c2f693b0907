import { newId, ProvidersOps } from '@switchboard/contracts';
import { agentRuns } from '../../../test/agent-runs.fixture.js';
import { createTenant, errorCode, operator, startTestStack, type TestStack, value } from '../../../test/service.harness.js';

let stack: TestStack;
const { agentSetup, issueKey } = agentRuns(() => stack);

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

async function activeKeyCount(tenantId: string): Promise<number> {
  const service = stack.services[0];
  if (!service) throw new Error('no service running');
  const rows: { n: number }[] = await service.store.dataSource.query(
    'SELECT count(*)::int AS n FROM providers.access_keys WHERE tenant_id = $1 AND revoked_at IS NULL',
    [tenantId],
  );
  return rows[0]?.n ?? -1;
}

describe('tenant deletion in providers-service', () => {
  it('begins: stops running agents, revokes every key, refuses the tenant from then on; resumes; completes once', async () => {
    const { tenantId, admin, agent } = await agentSetup('Doomed');
    const { startId } = value(await stack.bus.send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_orchestrator' }));
    const { keyHash, keyId } = await issueKey(tenantId, agent.id, startId);
    const bystander = await createTenant(stack, 'Bystander');
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash })).tenantId).toBe(tenantId);

    expect(errorCode(await stack.bus.send(ProvidersOps.beginTenantDeletion, { actor: admin, tenantId }))).toBe('forbidden');
    expect(errorCode(await stack.bus.send(ProvidersOps.completeTenantDeletion, { actor: operator, tenantId, kmsKeyId: null, keyDeletionDate: null }))).toBe(
      'invalid_state',
    );

    expect(value(await stack.bus.send(ProvidersOps.beginTenantDeletion, { actor: operator, tenantId }))).toEqual({});
    expect((await stack.lastEvent(tenantId, 'agent.stopped'))?.json()).toMatchObject({ agentId: agent.id, revokedKeyIds: [keyId] });
    expect((await stack.lastEvent(tenantId, 'key.revoked'))?.json()).toMatchObject({ type: 'key.revoked' });
    expect((await stack.lastEvent(tenantId, 'tenant.deletion_started'))?.json()).toMatchObject({ tenantId });
    // Every key of the tenant is refused: the agent's and the admin's.
    expect(errorCode(await stack.bus.send(ProvidersOps.resolveKey, { keyHash }))).toBe('unauthorized');
    expect(errorCode(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId }))).toBe('tenant_not_found');
    expect(await activeKeyCount(tenantId)).toBe(0);
    // A start in flight gets no key any more: it was stopped with its agent.
    expect((await issueKey(tenantId, agent.id, startId)).issued.ok).toBe(false);

    // A retry of a deletion that stopped after this step goes on.
    expect(value(await stack.bus.send(ProvidersOps.beginTenantDeletion, { actor: operator, tenantId }))).toEqual({});

    const complete = { actor: operator, tenantId, kmsKeyId: `tenant-${tenantId}`, keyDeletionDate: '2030-01-08T00:00:00.000Z' };
    expect(value(await stack.bus.send(ProvidersOps.completeTenantDeletion, complete))).toEqual({});
    expect((await stack.lastEvent(tenantId, 'tenant.deleted'))?.json()).toMatchObject({
      type: 'tenant.deleted',
      tenantId,
      kmsKeyId: `tenant-${tenantId}`,
      keyDeletionDate: '2030-01-08T00:00:00.000Z',
    });
    expect(value(await stack.bus.send(ProvidersOps.completeTenantDeletion, complete))).toEqual({});
    expect(errorCode(await stack.bus.send(ProvidersOps.beginTenantDeletion, { actor: operator, tenantId }))).toBe('tenant_not_found');
    expect(errorCode(await stack.bus.send(ProvidersOps.beginTenantDeletion, { actor: operator, tenantId: newId('tenant') }))).toBe('tenant_not_found');

    // The other tenant is untouched.
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash: bystander.adminKeyHash })).tenantId).toBe(bystander.tenantId);
  });
});
