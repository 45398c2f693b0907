import { z } from 'zod';
import { cutPage, decodeCursor, encodeCursor, EVENT_DATA_SCHEMAS, fail, ok, type ProviderHistoryEntry, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore, type StoredEvent } from '@switchboard/event-store';
import { busTypeOf } from '../../shared/bus-types.js';
import { requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, providerNotFound } from '../provider.queries.js';
import { QueryOperation } from '@switchboard/messaging';

/**
 * What an event changed, from an allow-list of fields: provider events hold settings and a secret
 * reference, never a key value, and history must stay that way if events ever grow.
 */
function changesOf(event: StoredEvent): Record<string, unknown> {
  switch (event.type) {
    case 'ProviderRegistered': {
      const { providerId: _id, providerType, ...settings } = EVENT_DATA_SCHEMAS.ProviderRegistered.parse(event.data);
      return { type: providerType, ...settings };
    }
    case 'ProviderUpdated':
      return EVENT_DATA_SCHEMAS.ProviderUpdated.parse(event.data).changes;
    default:
      return {};
  }
}

/** History pages are keyed by the stream version of their last entry. */
const HistorySortKey = z.tuple([z.number().int().min(0).max(2_147_483_647)]);

const entryOf = (event: StoredEvent): ProviderHistoryEntry => ({
  type: busTypeOf(event.type),
  at: event.recordedAt.toISOString(),
  actor: event.metadata.actor?.keyId ?? null,
  version: event.version,
  changes: changesOf(event),
});

@QueryOperation(ProvidersOps.providerHistory)
export class ProviderHistoryHandler implements OperationHandler<'providerHistory'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'providerHistory'>): OpResult<'providerHistory'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const { id, limit } = request;
    if (!(await liveProviderExists(this.store.dataSource.manager, tenant.value, id))) return fail(providerNotFound(id));
    const after = decodeCursor(request.cursor, 'history', HistorySortKey);
    if (!after.ok) return after;
    const events = await this.store.readStreamPage(streamIds.provider(id), after.value?.[0] ?? 0, limit + 1);
    // Every event of the stream is the tenant's; one that is not means the id names someone else's stream.
    if (events.some((event) => event.tenantId !== tenant.value)) return fail(providerNotFound(id));
    return ok(cutPage(events, limit, entryOf, (event) => encodeCursor('history', [event.version])));
  }
}
