import { fail, ok, type Result, type SealedBox, type SecretKind } from '@switchboard/contracts';
import { fingerprintOf, type SecretEnvelope } from '@switchboard/kms';
import { openFromTransport, type TransportContext } from '@switchboard/sealing';
import type { ServiceKeyMaterial } from '../service-keys/service-keys.js';
import { parseSecretValue } from './secret-value.js';
import { vaultError, type SecretVault } from './secret.vault.js';

/** A new value version, ready to store: its envelope and display data. The plaintext is already zeroed. */
export interface EncryptedValue {
  readonly envelope: SecretEnvelope;
  readonly fingerprint: string;
  readonly hint: string;
}

/**
 * Opens a value sealed by the gateway, validates it for its kind and encrypts it for one secret version.
 * Every plaintext buffer is zeroed before this returns, whatever the outcome.
 */
export async function encryptIncomingValue(
  vault: SecretVault,
  keys: ServiceKeyMaterial,
  sealed: SealedBox,
  transport: TransportContext,
  target: { kind: SecretKind; secretId: string; version: number },
): Promise<Result<EncryptedValue>> {
  const opened = openFromTransport(sealed, keys.transport.privateKey, transport);
  if (!opened.ok) return opened;
  const value = parseSecretValue(target.kind, opened.value);
  opened.value.fill(0);
  if (!value.ok) return value;
  const { plaintext, hint } = value.value;
  try {
    const fingerprint = fingerprintOf(plaintext, keys.fingerprintKey);
    const encrypted = await vault.encrypt(transport.tenantId, target.secretId, target.version, plaintext);
    return encrypted.ok ? ok({ envelope: encrypted.value, fingerprint, hint }) : fail(vaultError(encrypted.error));
  } finally {
    plaintext.fill(0);
  }
}
