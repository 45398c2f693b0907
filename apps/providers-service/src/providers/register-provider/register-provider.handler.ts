import { appError, fail, newId, type AppError, type Result, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { modelDecider, providerDecider, resolveProviderSettings } from '@switchboard/providers-domain';
import { TenantQuotas } from '@switchboard/service-runtime';
import { guardedProjection, projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { providerNameTaken, providerView } from '../provider.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.registerProvider)
export class RegisterProviderHandler implements OperationHandler<'registerProvider'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'registerProvider'>): OpResult<'registerProvider'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { body } = request;
    // Key values must only ever reach credentials-service (the gateway stores them there first and sends the
    // secret's id); this service keeps a reference and refuses to hold a value even for a moment.
    if (body.apiKey !== undefined || body.customHeaders !== undefined) {
      return fail(appError('validation_failed', 'apiKey and customHeaders are stored by credentials-service; pass secretId'));
    }
    const db = this.store.dataSource.manager;
    if (await providerNameTaken(db, tenantId, body.name)) {
      return fail(appError('provider_name_taken', `a provider named ${body.name} already exists in the tenant`));
    }

    const settings = resolveProviderSettings(body);
    if (!settings.ok) return settings;

    const providerId = newId('provider');
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: providerDecider,
      streamId: streamIds.provider(providerId),
      tenantId,
      command: {
        type: 'RegisterProvider',
        data: { providerId, settings: settings.value, secretId: body.secretId ?? null, now },
      },
      metadata: eventMetadata(request.actor),
      at: now,
      // Counted and inserted under the tenant's provider-quota lock: two registrations at the limit cannot both pass.
      afterAppend: async (tx: Tx, events: readonly StoredEvent[]) => {
        const projected = await guardedProjection((inner: Tx) => this.quotas.admit(inner, tenantId, 'providers'))(tx, events);
        const { defaultModel } = settings.value;
        return projected.ok && defaultModel !== null ? this.addDefaultModel(tx, { tenantId, providerId, name: defaultModel, now, actor: request.actor }) : projected;
      },
    });
    if (!handled.ok) return handled;
    return providerView(db, tenantId, providerId);
  }

  /**
   * A default model named at registration becomes a model of the provider in the same transaction (a manual one,
   * priced from the catalogue when it knows the name), so the default always names one of the provider's models.
   */
  private async addDefaultModel(
    tx: Tx,
    args: { tenantId: string; providerId: string; name: string; now: Date; actor: OpRequest<'registerProvider'>['actor'] },
  ): Promise<Result<void, AppError>> {
    const admitted = await this.quotas.admit(tx, args.tenantId, 'models');
    if (!admitted.ok) return admitted;
    const modelId = newId('model');
    const decided = modelDecider.decide(
      { type: 'AddModel', data: { modelId, providerId: args.providerId, name: args.name, providerExists: true, now: args.now } },
      modelDecider.initialState,
    );
    if (!decided.ok) return decided;
    const appended = await this.store.append(tx, {
      streamId: streamIds.model(modelId),
      expectedVersion: 0,
      tenantId: args.tenantId,
      events: decided.value.map((event) => ({ eventId: newId('event'), type: event.type, data: event.data })),
      metadata: eventMetadata(args.actor),
      at: args.now,
    });
    if (!appended.ok) throw new Error(`a new model stream ${appended.error.streamId} already had events`);
    return projectInline(tx, appended.value);
  }
}
