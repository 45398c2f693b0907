import { fail, newId, ok, PAGE_MAX_LIMIT, type AppError, type Result, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type EventMetadata, type Tx } from '@switchboard/event-store';
import { modelDecider, pickDefaultModel, providerDecider } from '@switchboard/providers-domain';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import { TenantQuotas } from '@switchboard/service-runtime';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenantAdmin, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, lockLiveProvider, providerNotFound } from '../../providers/provider.queries.js';
import { liveModelNames, modelPage } from '../model.queries.js';
import { modelsToDiscover } from './discovered-models.selection.js';
import { CommandOperation } from '@switchboard/messaging';

/** Unwinds the discovery's transaction with the error it failed on. */
class DiscoveryRollback extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
  }
}

/**
 * Records what a provider's /models listed. Each listed model that no live model of the provider is named after
 * (case-insensitively) becomes a `discovered` model named as the upstream names it, without prices; models
 * already there, manual or discovered, stay as they are. Models the upstream stopped listing are kept too:
 * a listing can be partial or briefly wrong, and removing a model is the user's decision, not discovery's.
 * Answers the first page of the provider's models (the largest page; `nextCursor` continues with listModels), so
 * calling it again with the same listing changes nothing.
 *
 * The tenant's models quota bounds what is recorded: past it, the first new models in the upstream's order are
 * kept up to the limit and the rest left out, counted in `omitted` — a refusal would record nothing, and discovery
 * often runs on its own after a key is saved. Discovering again once there is room records the ones left out.
 *
 * The upstream's own createdAt is not recorded (ModelAdded has no field for it); a model's createdAt is when
 * Switchboard first saw it.
 */
@CommandOperation(ProvidersOps.recordDiscoveredModels)
export class RecordDiscoveredModelsHandler implements OperationHandler<'recordDiscoveredModels'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'recordDiscoveredModels'>): OpResult<'recordDiscoveredModels'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { providerId } = request;
    const db = this.store.dataSource.manager;
    if (!(await liveProviderExists(db, tenantId, providerId))) return fail(providerNotFound(providerId));

    // Repeated discovery usually finds nothing new: that answer needs no write transaction.
    let omitted = 0;
    if (modelsToDiscover(await liveModelNames(db, tenantId, providerId), request.models).length > 0) {
      const recorded = await this.recordNew(request, tenantId);
      if (!recorded.ok) return recorded;
      omitted = recorded.value.omitted;
    }
    await this.pickDefault(request, tenantId);
    return ok({ ...(await modelPage(db, tenantId, providerId, PAGE_MAX_LIMIT, null)), omitted });
  }

  /**
   * One transaction for the whole listing: all new models or none. The provider's row is locked FOR UPDATE
   * (not FOR SHARE as by a single model add), so two discoveries of one provider run one after the other and
   * the second, re-reading the names under the lock, finds the first's models; it also orders discovery
   * against the provider's deletion. The models quota is counted after that, under its own lock (as by a single
   * add), and only as many new models as it has room for are appended.
   */
  private async recordNew(request: OpRequest<'recordDiscoveredModels'>, tenantId: string): Promise<Result<{ omitted: number }, AppError>> {
    const { providerId } = request;
    const now = new Date();
    const metadata = eventMetadata(request.actor);
    try {
      return ok(
        await this.store.transaction(async (tx: Tx) => {
          const locked = await lockLiveProvider(tx, tenantId, providerId, 'update');
          if (!locked.ok) throw new DiscoveryRollback(locked.error);
          const fresh = modelsToDiscover(await liveModelNames(tx, tenantId, providerId), request.models);
          const { room } = fresh.length > 0 ? await this.quotas.room(tx, tenantId, 'models') : { room: 0 };
          const kept = fresh.slice(0, room);
          for (const upstreamModel of kept) await this.appendDiscovered(tx, { tenantId, providerId, upstreamModel, now, metadata });
          return { omitted: fresh.length - kept.length };
        }),
      );
    } catch (err) {
      if (err instanceof DiscoveryRollback) return fail(err.error);
      throw err;
    }
  }

  /**
   * A provider without a default model gets one from the listing (pickDefaultModel), among the models it now has.
   * Best effort: a concurrent change of the provider wins, and the next discovery tries again.
   */
  private async pickDefault(request: OpRequest<'recordDiscoveredModels'>, tenantId: string): Promise<void> {
    const { providerId } = request;
    const db = this.store.dataSource.manager;
    const rows: { default_model: string | null }[] = await db.query(
      `SELECT default_model FROM ${SCHEMA}.providers WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
      [providerId, tenantId],
    );
    if (rows[0] === undefined || rows[0].default_model !== null) return;
    const live = new Set((await liveModelNames(db, tenantId, providerId)).map((name) => name.toLowerCase()));
    const defaultModel = pickDefaultModel(request.models.filter((m) => live.has(m.upstreamModel.toLowerCase())));
    if (defaultModel === null) return;
    const now = new Date();
    await handleCommand({
      store: this.store,
      decider: providerDecider,
      streamId: streamIds.provider(providerId),
      tenantId,
      command: { type: 'UpdateProvider', data: { providerId, changes: { defaultModel }, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
    });
  }

  /** A fresh model stream: decided from the initial state, appended at version 0, projected inline. */
  private async appendDiscovered(
    tx: Tx,
    args: { tenantId: string; providerId: string; upstreamModel: string; now: Date; metadata: EventMetadata },
  ): Promise<void> {
    const modelId = newId('model');
    const decided = modelDecider.decide(
      { type: 'DiscoverModel', data: { modelId, providerId: args.providerId, upstreamModel: args.upstreamModel, providerExists: true, now: args.now } },
      modelDecider.initialState,
    );
    if (!decided.ok) throw new DiscoveryRollback(decided.error);
    const appended = await this.store.append(tx, {
      streamId: streamIds.model(modelId),
      expectedVersion: 0,
      tenantId: args.tenantId,
      events: decided.value.map((event) => ({ eventId: newId('event'), type: event.type, data: event.data })),
      metadata: args.metadata,
      at: args.now,
    });
    if (!appended.ok) throw new Error(`a new model stream ${appended.error.streamId} already had events`);
    const projected = await projectInline(tx, appended.value);
    if (!projected.ok) throw new DiscoveryRollback(projected.error);
  }
}
