import { appError, fail, newId, ok, type AppError, type Result } from '@switchboard/contracts';
import { foldStream, type EventMetadata, type PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { accessKeyDecider, agentDecider } from '@switchboard/providers-domain';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import { streamIds } from '../../shared/command-context.js';
import { startKeyIds } from '../../keys/key.queries.js';
import { revokeStartKeys } from '../../agents/stop-agent/start-keys.revocation.js';

interface Step {
  readonly store: PgEventStore;
  readonly tx: Tx;
  readonly tenantId: string;
  readonly metadata: EventMetadata;
  readonly at: Date;
}

/**
 * AgentStopped for every live agent of the tenant that has a start still running, each with the keys of its starts,
 * so orchestrators see their agents stopped exactly as a stop by hand would show it.
 */
export async function stopRunningAgents(step: Step): Promise<Result<StoredEvent[], AppError>> {
  const { store, tx, tenantId } = step;
  const agents: { id: string }[] = await tx.query(
    `SELECT a.id FROM ${SCHEMA}.agents a
      WHERE a.tenant_id = $1 AND a.deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM ${SCHEMA}.agent_starts s WHERE s.agent_id = a.id AND s.stopped_at IS NULL)
      ORDER BY a.id FOR UPDATE OF a`,
    [tenantId],
  );
  const appended: StoredEvent[] = [];
  for (const { id } of agents) {
    const streamId = streamIds.agent(id);
    const stream = await store.readStream(streamId, tx);
    const revokedKeyIds = await startKeyIds(tx, tenantId, id);
    const decided = agentDecider.decide({ type: 'StopAgent', data: { agentId: id, revokedKeyIds, now: step.at } }, foldStream(agentDecider, stream.events));
    if (!decided.ok) continue;
    const result = await store.append(tx, {
      streamId,
      expectedVersion: stream.version,
      tenantId,
      events: decided.value.map((e) => ({ eventId: newId('event'), type: e.type, data: e.data })),
      metadata: step.metadata,
      at: step.at,
    });
    // The agent changed meanwhile: the whole deletion step is undone and the DELETE can be sent again.
    if (!result.ok) return fail(appError('version_conflict', `agent ${id} changed while its tenant was being deleted`));
    appended.push(...result.value);
  }
  return ok(appended);
}

/** KeyRevoked for every key of the tenant still unrevoked: admin, member and agent keys, start keys included. */
export async function revokeEveryKey(step: Step): Promise<Result<StoredEvent[], AppError>> {
  const rows: { id: string }[] = await step.tx.query(
    `SELECT id FROM ${SCHEMA}.access_keys WHERE tenant_id = $1 AND revoked_at IS NULL ORDER BY created_at, id FOR UPDATE`,
    [step.tenantId],
  );
  const keyIds: string[] = [];
  for (const { id } of rows) {
    const state = foldStream(accessKeyDecider, (await step.store.readStream(streamIds.key(id), step.tx)).events);
    if (accessKeyDecider.decide({ type: 'RevokeKey', data: { keyId: id, now: step.at } }, state).ok) keyIds.push(id);
  }
  return revokeStartKeys(step.store, step.tx, { tenantId: step.tenantId, keyIds, metadata: step.metadata, at: step.at });
}
