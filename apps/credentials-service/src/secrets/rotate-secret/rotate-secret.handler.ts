import { appError, fail, CredentialsOps } from '@switchboard/contracts';
import { secretNotFound } from '@switchboard/credentials-domain';
import { PgEventStore } from '@switchboard/event-store';
import { ServiceKeys } from '../../service-keys/service-keys.js';
import { requireTenantAdmin } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { encryptIncomingValue } from '../incoming-value.js';
import { handleSecretCommand } from '../secret.commands.js';
import { liveSecret, secretView } from '../secret.queries.js';
import { insertSecretVersion } from '../secret-versions.repository.js';
import { SecretVault } from '../secret.vault.js';
import { CommandOperation } from '@switchboard/messaging';

/**
 * A new value version under a new data key. The value is encrypted for the version after the one read
 * here; should another rotation land first, the decider refuses (version_conflict) rather than store a
 * ciphertext bound to the wrong version. Older versions stay, so calls in flight finish with them.
 */
@CommandOperation(CredentialsOps.rotateSecret)
export class RotateSecretHandler implements OperationHandler<'rotateSecret'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly keys: ServiceKeys,
    private readonly vault: SecretVault,
  ) {}

  async execute(request: OpRequest<'rotateSecret'>): OpResult<'rotateSecret'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const keys = this.keys.current();
    if (!keys.ok) return keys;
    const { id, expectedVersion } = request;
    const db = this.store.dataSource.manager;

    const current = await liveSecret(db, tenantId, id);
    if (current === null) return fail(secretNotFound(id));
    // Checked again by the decider; failing here first spares a KMS call.
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      return fail(appError('version_conflict', `secret ${id} is at version ${current.version}, expected ${expectedVersion}`, {
        expected: expectedVersion,
        actual: current.version,
      }));
    }
    const version = current.version + 1;
    const encrypted = await encryptIncomingValue(
      this.vault,
      keys.value,
      request.sealedValue,
      { purpose: 'secret.rotate', tenantId, subject: id },
      { kind: current.kind, secretId: id, version },
    );
    if (!encrypted.ok) return encrypted;
    const { envelope, fingerprint, hint } = encrypted.value;

    const now = new Date();
    const handled = await handleSecretCommand(
      this.store,
      tenantId,
      request.actor,
      {
        type: 'RotateSecret',
        data: { secretId: id, version, fingerprint, hint, now, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
      },
      (tx) => insertSecretVersion(tx, { tenantId, secretId: id, version, kind: current.kind, envelope, at: now }),
    );
    if (!handled.ok) return handled;
    return secretView(db, tenantId, id);
  }
}
