import { Injectable } from '@nestjs/common';
import { EVENT_DATA_SCHEMAS, fail, ok, type ProviderHistoryEntry } from '@switchboard/contracts';
import { PgEventStore, type StoredEvent } from '@switchboard/event-store';
import { busTypeOf } from '../../shared/bus-types.js';
import { requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, providerNotFound } from '../provider.queries.js';

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

@Injectable()
export class ProviderHistoryHandler implements OperationHandler<'providerHistory'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'providerHistory'>): OpResult<'providerHistory'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const { id } = request;
    if (!(await liveProviderExists(this.store.dataSource.manager, tenant.value, id))) return fail(providerNotFound(id));
    const { events } = await this.store.readStream(streamIds.provider(id));
    if (events[0]?.tenantId !== tenant.value) return fail(providerNotFound(id));
    const data: ProviderHistoryEntry[] = events.map((event) => ({
      type: busTypeOf(event.type),
      at: event.recordedAt.toISOString(),
      actor: event.metadata.actor?.keyId ?? null,
      version: event.version,
      changes: changesOf(event),
    }));
    return ok({ data });
  }
}
