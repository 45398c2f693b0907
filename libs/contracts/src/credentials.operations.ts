import { z } from 'zod';
import { Actor } from './access.js';
import { ExpectedVersion, Id, Name } from './common.js';
import {
  RecipientView,
  SealedBox,
  SecretKind,
  SecretView,
  StatementSignature,
  X25519PublicKey,
} from './credentials.js';
import { defineOperation } from './operation.js';
import { PageRequest, pageOf } from './pages.js';
import { OwnedTenantQuotas, TenantQuotaChanges } from './quotas.js';
import { fromGateway } from './service-access.js';

const actor = { actor: Actor };
const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
const Empty = z.object({});

/**
 * Secret values never cross the bus in plaintext: the gateway seals them to credentials-service's
 * transport key (sealForTransport, purpose secret.create / secret.rotate), and a reveal comes back
 * sealed to a one-time key the gateway sent (purpose secret.reveal).
 */
export const CredentialsOps = {
  health: defineOperation('credentials.v1.health', Empty, z.object({ postgres: z.boolean() }), fromGateway),

  /**
   * The X25519 key secret values are sealed to, with credentials-service's identity signature over it
   * (`switchboard/transport-key/v1|<publicKey>`): the gateway seals nothing to a key that signature does not cover.
   */
  transportKey: defineOperation(
    'credentials.v1.transport-key',
    Empty,
    z.object({ publicKey: X25519PublicKey, signature: StatementSignature }),
    fromGateway,
  ),

  createSecret: defineOperation(
    'credentials.v1.secret.create',
    z.object({ ...actor, name: Name, kind: SecretKind.default('api_key'), sealedValue: SealedBox }),
    SecretView,
    fromGateway,
  ),
  listSecrets: defineOperation('credentials.v1.secret.list', z.object({ ...actor, ...PageRequest }), pageOf(SecretView), fromGateway),
  getSecret: defineOperation('credentials.v1.secret.get', z.object({ ...actor, id: Id }), SecretView, fromGateway),
  /** Views of several secrets at once (unknown or foreign ids are left out): providers show hint and version. */
  describeSecrets: defineOperation(
    'credentials.v1.secret.describe',
    z.object({ ...actor, ids: z.array(Id).max(500) }),
    list(SecretView),
    fromGateway,
  ),
  rotateSecret: defineOperation(
    'credentials.v1.secret.rotate',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion, sealedValue: SealedBox }),
    SecretView,
    fromGateway,
  ),
  revealSecret: defineOperation(
    'credentials.v1.secret.reveal',
    z.object({ ...actor, id: Id, replyKey: X25519PublicKey }),
    z.object({ sealedValue: SealedBox, version: z.number().int() }),
    fromGateway,
  ),
  deleteSecret: defineOperation(
    'credentials.v1.secret.delete',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion }),
    Empty,
    fromGateway,
  ),

  /**
   * A provider credential for a gateway, sealed to the gateway's own key (transport purpose
   * gateway.credential, subject = secret id); the gateway keeps it in memory only.
   */
  gatewayCredential: defineOperation(
    'credentials.v1.gateway-credential',
    z.object({ tenantId: Id, secretId: Id, replyKey: X25519PublicKey }),
    z.object({ secretId: z.string(), version: z.number().int(), kind: SecretKind, sealedValue: SealedBox }),
    fromGateway,
  ),

  registerRecipient: defineOperation(
    'credentials.v1.recipient.register',
    z.object({ ...actor, name: Name, publicKey: X25519PublicKey }),
    RecipientView,
    fromGateway,
  ),
  listRecipients: defineOperation('credentials.v1.recipient.list', z.object({ ...actor, ...PageRequest }), pageOf(RecipientView), fromGateway),

  /**
   * Operator only, after providers.v1.tenant.deletion.begin: records the tenant as deleted (it never gets a key again),
   * destroys its KMS key, then removes its envelopes. Idempotent, so a retry finishes a shred KMS interrupted
   * (`unavailable` until it can); answers the destroyed key for the TenantDeleted event.
   */
  shredTenant: defineOperation(
    'credentials.v1.tenant.shred',
    z.object({ ...actor, tenantId: Id }),
    z.object({ kmsKeyId: z.string().nullable(), keyDeletionDate: z.string().nullable() }),
    fromGateway,
  ),

  /** The operator's view of a tenant's quotas for secrets and recipients. */
  tenantQuotas: defineOperation('credentials.v1.tenant.quotas.get', z.object({ ...actor, tenantId: Id }), OwnedTenantQuotas, fromGateway),
  /** Operator only: sets or clears the tenant's own limits for those kinds; answers them as tenantQuotas does. */
  setTenantQuotas: defineOperation(
    'credentials.v1.tenant.quotas.set',
    z.object({ ...actor, tenantId: Id, changes: TenantQuotaChanges }),
    OwnedTenantQuotas,
    fromGateway,
  ),
} as const;
