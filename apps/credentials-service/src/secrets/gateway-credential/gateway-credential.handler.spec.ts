import { ok, type Result } from '@switchboard/contracts';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import type { OpenedSecret, SecretVault, VaultFailure } from '../secret.vault.js';
import { GatewayCredentialHandler } from './gateway-credential.handler.js';

/** A vault that hands out one buffer, so the spec can look at it afterwards. */
function vaultOpening(opened: OpenedSecret): SecretVault {
  const fake: Pick<SecretVault, 'openCurrent'> = {
    openCurrent: async (): Promise<Result<OpenedSecret, VaultFailure>> => ok(opened),
  };
  return fake as SecretVault;
}

describe('GatewayCredentialHandler', () => {
  const request = (replyKey: string) => ({ tenantId: 'ten_1', secretId: 'sec_1', replyKey });

  it('zeroes the decrypted bytes once they are sealed', async () => {
    const plaintext = Buffer.from('sk-zero-me-0123456789', 'utf8');
    const handler = new GatewayCredentialHandler(vaultOpening({ kind: 'api_key', version: 3, plaintext }));
    const answer = await handler.execute(request(generateRecipientKeyPair().publicKey));
    expect(answer).toMatchObject({ ok: true, value: { secretId: 'sec_1', version: 3, kind: 'api_key' } });
    expect(plaintext.every((byte) => byte === 0)).toBe(true);
  });

  it('zeroes them too when the stored bytes are not what the kind says, answering internal without quoting them', async () => {
    const plaintext = Buffer.from('not json at all', 'utf8');
    const handler = new GatewayCredentialHandler(vaultOpening({ kind: 'headers', version: 1, plaintext }));
    const answer = await handler.execute(request(generateRecipientKeyPair().publicKey));
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(answer)).not.toContain('not json');
    expect(plaintext.every((byte) => byte === 0)).toBe(true);
  });
});
