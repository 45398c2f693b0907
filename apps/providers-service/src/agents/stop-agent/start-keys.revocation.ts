import { appError, fail, newId, ok, type AppError, type Result } from '@switchboard/contracts';
import { foldStream, type EventMetadata, type PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { accessKeyDecider } from '@switchboard/providers-domain';
import { streamIds } from '../../shared/command-context.js';

/** The keys listed before the transaction are no longer the agent's unrevoked start keys: list and try again. */
export const START_KEYS_CHANGED = 'start_keys_changed';

export const startKeysChanged = (agentId: string): AppError =>
  appError('version_conflict', `the keys of agent ${agentId} changed while it was being stopped`, { reason: START_KEYS_CHANGED });

const keyRevokedMeanwhile = (keyId: string): AppError =>
  appError('version_conflict', `key ${keyId} changed while its agent was being stopped`, { reason: START_KEYS_CHANGED });

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((id, i) => id === sortedB[i]);
}

/**
 * Appends KeyRevoked on each key's own stream inside the caller's transaction (the stop's), each decided by
 * the access-key decider at the version read here; a key revoked meanwhile is a conflict, never skipped.
 */
export async function revokeStartKeys(
  store: PgEventStore,
  tx: Tx,
  args: { tenantId: string; keyIds: readonly string[]; metadata: EventMetadata; at: Date },
): Promise<Result<StoredEvent[], AppError>> {
  const appended: StoredEvent[] = [];
  for (const keyId of args.keyIds) {
    const streamId = streamIds.key(keyId);
    const stream = await store.readStream(streamId, tx);
    const state = foldStream(accessKeyDecider, stream.events);
    const decided = accessKeyDecider.decide({ type: 'RevokeKey', data: { keyId, now: args.at } }, state);
    if (!decided.ok) return fail(keyRevokedMeanwhile(keyId));
    const result = await store.append(tx, {
      streamId,
      expectedVersion: stream.version,
      tenantId: args.tenantId,
      events: decided.value.map((e) => ({ eventId: newId('event'), type: e.type, data: e.data })),
      metadata: args.metadata,
      at: args.at,
    });
    if (!result.ok) return fail(keyRevokedMeanwhile(keyId));
    appended.push(...result.value);
  }
  return ok(appended);
}
