import { z } from 'zod';
import { Id, Name } from './common.js';
import { AuthMethod, Protocol, ProviderType } from './providers.js';
import { Delivery } from './agents.js';

export const SEAL_ALGORITHM = 'X25519-HKDF-SHA256-A256GCM';

const B64 = z.string().min(1).max(1_000_000).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be standard base64');

/** A payload sealed to an X25519 public key (see API.md "Sealing"); all fields base64. */
export const SealedBox = z.object({
  alg: z.literal(SEAL_ALGORITHM),
  epk: B64,
  iv: B64,
  ciphertext: B64,
  tag: B64,
});
export type SealedBox = z.infer<typeof SealedBox>;

/** X25519 public key: base64 (standard, padded) of the raw 32 bytes. */
export const X25519PublicKey = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be base64 of a raw 32-byte X25519 public key');

export const CreateSecretBody = z.strictObject({
  name: Name,
  value: z.string().min(1, 'must not be empty').max(16_384, 'must be at most 16384 characters'),
});
export type CreateSecretBody = z.infer<typeof CreateSecretBody>;

export const RotateSecretBody = z.strictObject({
  value: z.string().min(1, 'must not be empty').max(16_384, 'must be at most 16384 characters'),
});
export type RotateSecretBody = z.infer<typeof RotateSecretBody>;

/** What a secret holds: a single API key, or a JSON object of custom header values. */
export const SecretKind = z.enum(['api_key', 'headers']);
export type SecretKind = z.infer<typeof SecretKind>;

/** Never the value: name, version, keyed fingerprint and a hint of at most the last 4 characters. */
export const SecretView = z.object({
  id: z.string(),
  name: z.string(),
  kind: SecretKind,
  version: z.number().int(),
  fingerprint: z.string(),
  hint: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SecretView = z.infer<typeof SecretView>;

export const CreateRecipientBody = z.strictObject({ name: Name, publicKey: X25519PublicKey });
export type CreateRecipientBody = z.infer<typeof CreateRecipientBody>;

export const RecipientView = z.object({ id: z.string(), name: z.string(), publicKey: z.string(), createdAt: z.string() });
export type RecipientView = z.infer<typeof RecipientView>;

export const StartAgentBody = z.strictObject({ recipientId: Id });
export type StartAgentBody = z.infer<typeof StartAgentBody>;

/** The provider as it was when an agent start was recorded; null when it no longer exists. */
export const StartProviderSnapshot = z.object({
  id: z.string(),
  type: ProviderType,
  protocol: Protocol,
  endpoint: z.string(),
  authMethod: AuthMethod,
  organizationId: z.string().nullable(),
  model: z.string().nullable(),
  secretId: z.string().nullable(),
});
export type StartProviderSnapshot = z.infer<typeof StartProviderSnapshot>;

export const DENIAL_REASONS = [
  'unknown_recipient',
  'provider_deleted',
  'no_credentials',
  'kms_unavailable',
  'secret_unreadable',
  'agent_deleted',
] as const;
export const DenialReason = z.enum(DENIAL_REASONS);
export type DenialReason = z.infer<typeof DenialReason>;

/** The fields of `credential.issued` besides the envelope (API.md). */
export const CREDENTIAL_SIGNATURE_ALG = 'Ed25519';
export const CredentialSignature = z.object({
  alg: z.literal(CREDENTIAL_SIGNATURE_ALG),
  keyId: z.string().min(1).max(64),
  sig: z.string().min(1).max(200),
});
export type CredentialSignature = z.infer<typeof CredentialSignature>;

export const CredentialIssuedFields = z.object({
  agentId: z.string(),
  startId: z.string(),
  recipientId: z.string(),
  delivery: Delivery,
  provider: z.object({
    id: z.string(),
    type: ProviderType,
    protocol: Protocol,
    endpoint: z.string(),
    authMethod: AuthMethod,
    organizationId: z.string().nullable().optional(),
    model: z.string().nullable(),
  }),
  sealed: SealedBox,
  expiresAt: z.string(),
  /** credentials-service's issuer signature over credentialIssuedStatement(event); keys at GET /v1/credential-issuer. */
  signature: CredentialSignature,
});
export type CredentialIssuedFields = z.infer<typeof CredentialIssuedFields>;

export const CredentialDeniedFields = z.object({
  agentId: z.string(),
  startId: z.string(),
  reason: DenialReason,
});

/** What a sealed credential opens to (API.md "Sealing"). */
export const CredentialPlaintext = z.union([
  z.object({ baseUrl: z.string(), apiKey: z.string(), expiresAt: z.string() }),
  z.object({ baseUrl: z.string(), headers: z.record(z.string(), z.string()), expiresAt: z.string() }),
]);
export type CredentialPlaintext = z.infer<typeof CredentialPlaintext>;

/** An Ed25519 signature by a service's identity key: the key's id and base64 (standard, padded) of the signature. */
export const StatementSignature = z.object({ keyId: z.string().min(1).max(64), sig: z.string().min(1).max(200) });
export type StatementSignature = z.infer<typeof StatementSignature>;

/** What credentials-service signs to vouch for its transport key (CredentialsOps.transportKey). */
export const transportKeyStatement = (publicKey: string): string => `switchboard/transport-key/v1|${publicKey}`;

/** The fields of credential.issued its signature covers, in order (API.md). */
export interface CredentialIssuedSignedFields {
  readonly eventId: string;
  readonly tenantId: string;
  readonly agentId: string;
  readonly startId: string;
  readonly recipientId: string;
  readonly delivery: string;
  readonly sealed: { readonly epk: string; readonly iv: string; readonly ciphertext: string; readonly tag: string };
  readonly expiresAt: string;
}

/**
 * The UTF-8 text `signature.sig` of credential.issued signs. Null when a field holds the separator, which no
 * honest event does (ids, base64 and ISO times never contain `|`): such an event can have no valid signature.
 */
export function credentialIssuedStatement(event: CredentialIssuedSignedFields): string | null {
  const { sealed } = event;
  const fields = [event.eventId, event.tenantId, event.agentId, event.startId, event.recipientId, event.delivery, sealed.epk, sealed.iv, sealed.ciphertext, sealed.tag, event.expiresAt];
  if (fields.some((field) => typeof field !== 'string' || field.includes('|'))) return null;
  return ['switchboard/credential-issued/v1', ...fields].join('|');
}

/** GET /v1/credential-issuer: the Ed25519 keys credential.issued may be signed with (two during a rotation). */
export const CredentialIssuerView = z.object({
  keys: z.array(z.object({ keyId: z.string(), publicKey: z.string() })),
});
export type CredentialIssuerView = z.infer<typeof CredentialIssuerView>;
