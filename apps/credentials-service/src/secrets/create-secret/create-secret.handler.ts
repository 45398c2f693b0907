import { newId, CredentialsOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { TenantQuotas } from '@switchboard/service-runtime';
import { ServiceKeys } from '../../service-keys/service-keys.js';
import { requireTenantAdmin } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { encryptIncomingValue } from '../incoming-value.js';
import { handleSecretCommand } from '../secret.commands.js';
import { secretView } from '../secret.queries.js';
import { insertSecretVersion } from '../secret-versions.repository.js';
import { SecretVault } from '../secret.vault.js';
import { CommandOperation } from '@switchboard/messaging';

/**
 * Opens the value the gateway sealed to the transport key, encrypts it under a fresh data key, then appends
 * SecretCreated and stores the envelope in one transaction. KMS is asked before anything is written, so a
 * KMS outage leaves no trace. Names need not be unique: the id is the secret's identity.
 *
 * The secrets quota is checked twice: before KMS, so a tenant at its limit costs no KMS call, and in the
 * transaction under the tenant's quota lock, which is what decides between creates racing at the limit.
 */
@CommandOperation(CredentialsOps.createSecret)
export class CreateSecretHandler implements OperationHandler<'createSecret'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly keys: ServiceKeys,
    private readonly vault: SecretVault,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'createSecret'>): OpResult<'createSecret'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const keys = this.keys.current();
    if (!keys.ok) return keys;
    const { name, kind } = request;
    const room = await this.quotas.precheck(this.store.dataSource.manager, tenantId, 'secrets');
    if (!room.ok) return room;

    const secretId = newId('secret');
    const encrypted = await encryptIncomingValue(
      this.vault,
      keys.value,
      request.sealedValue,
      { purpose: 'secret.create', tenantId, subject: name },
      { kind, secretId, version: 1 },
    );
    if (!encrypted.ok) return encrypted;
    const { envelope, fingerprint, hint } = encrypted.value;

    const now = new Date();
    const handled = await handleSecretCommand(
      this.store,
      tenantId,
      request.actor,
      { type: 'CreateSecret', data: { secretId, name, kind, fingerprint, hint, now } },
      (tx) => insertSecretVersion(tx, { tenantId, secretId, version: 1, kind, envelope, at: now }),
      (tx) => this.quotas.admit(tx, tenantId, 'secrets'),
    );
    if (!handled.ok) return handled;
    return secretView(this.store.dataSource.manager, tenantId, secretId);
  }
}
