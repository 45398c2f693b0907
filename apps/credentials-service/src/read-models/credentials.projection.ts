import { EVENT_DATA_SCHEMAS, type DomainEventType } from '@switchboard/contracts';
import type { Projection, StoredEvent, Tx } from '@switchboard/event-store';
import { SCHEMA } from './credentials.migrations.js';

const isDomainEventType = (type: string): type is DomainEventType => Object.hasOwn(EVENT_DATA_SCHEMAS, type);

/**
 * Secrets and recipients as tables. Applied inline by the command handlers (same transaction as the
 * append, so callers read their own writes); every statement is idempotent, guarded by id and version,
 * so a replay through ProjectionRunner produces the same rows. `secret_versions` is not touched here:
 * envelopes are never in events.
 */
export const credentialsProjection: Projection = {
  name: 'credentials-read-models',

  async apply(tx: Tx, event: StoredEvent): Promise<void> {
    if (!isDomainEventType(event.type)) return;
    const at = event.recordedAt;
    switch (event.type) {
      case 'SecretCreated': {
        const d = EVENT_DATA_SCHEMAS.SecretCreated.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.secrets (id, tenant_id, name, kind, version, fingerprint, hint, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO NOTHING`,
          [d.secretId, event.tenantId, d.name, d.kind, d.version, d.fingerprint, d.hint, at],
        );
        return;
      }
      case 'SecretRotated': {
        const d = EVENT_DATA_SCHEMAS.SecretRotated.parse(event.data);
        await tx.query(
          `UPDATE ${SCHEMA}.secrets SET version = $2, fingerprint = $3, hint = $4, updated_at = $5
            WHERE id = $1 AND version < $2 AND deleted_at IS NULL`,
          [d.secretId, d.version, d.fingerprint, d.hint, at],
        );
        return;
      }
      case 'SecretDeleted': {
        const d = EVENT_DATA_SCHEMAS.SecretDeleted.parse(event.data);
        await tx.query(`UPDATE ${SCHEMA}.secrets SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL`, [d.secretId, at]);
        return;
      }
      case 'RecipientRegistered': {
        const d = EVENT_DATA_SCHEMAS.RecipientRegistered.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.recipients (id, tenant_id, name, public_key, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO NOTHING`,
          [d.recipientId, event.tenantId, d.name, d.publicKey, at],
        );
        return;
      }
      // Audit and issuance events live in the event store and on the bus; no table reads them.
      default:
        return;
    }
  },
};
