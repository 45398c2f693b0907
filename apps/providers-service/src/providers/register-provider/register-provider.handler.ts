import { Injectable } from '@nestjs/common';
import { appError, fail, newId } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type Tx } from '@switchboard/event-store';
import { providerDecider, resolveProviderSettings } from '@switchboard/providers-domain';
import { TenantQuotas } from '@switchboard/service-runtime';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { providerNameTaken, providerView } from '../provider.queries.js';

@Injectable()
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
      afterAppend: guardedProjection((tx: Tx) => this.quotas.admit(tx, tenantId, 'providers')),
    });
    if (!handled.ok) return handled;
    return providerView(db, tenantId, providerId);
  }
}
