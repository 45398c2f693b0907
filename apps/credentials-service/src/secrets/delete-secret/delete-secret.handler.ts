import { appError, fail, ok, ProvidersOps, CredentialsOps } from '@switchboard/contracts';
import { secretNotFound } from '@switchboard/credentials-domain';
import { PgEventStore } from '@switchboard/event-store';
import { BusClient, CommandOperation } from '@switchboard/messaging';
import { requireTenantAdmin } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { handleSecretCommand } from '../secret.commands.js';
import { liveSecret } from '../secret.queries.js';
import { deleteSecretVersions } from '../secret-versions.repository.js';

/**
 * Refused while providers use the secret (providers-service knows which: asked over the bus, and a
 * providers-service that does not answer makes the delete `unavailable`, never a blind delete).
 * Deleting shreds every envelope of the secret in the same transaction as SecretDeleted.
 */
@CommandOperation(CredentialsOps.deleteSecret)
export class DeleteSecretHandler implements OperationHandler<'deleteSecret'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly bus: BusClient,
  ) {}

  async execute(request: OpRequest<'deleteSecret'>): OpResult<'deleteSecret'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id, expectedVersion } = request;
    if ((await liveSecret(this.store.dataSource.manager, tenantId, id)) === null) return fail(secretNotFound(id));

    const dependents = await this.bus.send(ProvidersOps.secretDependents, { actor: request.actor, secretId: id });
    if (!dependents.ok) {
      return dependents.error.code === 'unavailable'
        ? fail(appError('unavailable', 'cannot tell whether providers use this secret: providers-service is not answering'))
        : dependents;
    }

    const now = new Date();
    const handled = await handleSecretCommand(
      this.store,
      tenantId,
      request.actor,
      {
        type: 'DeleteSecret',
        data: { secretId: id, dependents: dependents.value.providers, now, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
      },
      (tx) => deleteSecretVersions(tx, id),
    );
    return handled.ok ? ok({}) : handled;
  }
}
