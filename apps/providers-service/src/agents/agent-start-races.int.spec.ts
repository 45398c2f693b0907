import { ProvidersOps } from '@switchboard/contracts';
import { agentRuns, snapshotOf } from '../../test/agent-runs.fixture.js';
import { errorCode, startTestStack, type TestStack, value } from '../../test/service.harness.js';

let stack: TestStack;
const { agentSetup, issueKey, db, startEvents, runningStart } = agentRuns(() => stack);

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});


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
