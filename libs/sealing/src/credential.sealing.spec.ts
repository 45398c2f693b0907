import { createCipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { SEAL_ALG, openCredential, sealCredential, sealWithEphemeral, type SealContext, type SealedCredential } from './credential.sealing.js';
import { generateRecipientKeyPair } from './recipient-key.js';

const ctx: SealContext = { tenantId: 'ten_1', agentId: 'agt_1', startId: 'stt_1', recipientId: 'rcp_1' };
const payload = { baseUrl: 'https://api.example.com/v1', apiKey: 'sk-test-123', expiresAt: '2030-01-01T00:00:00.000Z' };

const flipByte = (b64: string, index = 0): string => {
  const raw = Buffer.from(b64, 'base64');
  raw[index] ^= 0x01;
  return raw.toString('base64');
};

const opens = (sealed: SealedCredential, privateKey: string, context: SealContext = ctx): boolean =>
  openCredential(sealed, privateKey, context).ok;

describe('credential sealing', () => {
  const recipient = generateRecipientKeyPair();

  it('round-trips the payload as UTF-8 JSON', () => {
    const sealed = sealCredential(payload, recipient.publicKey, ctx);
    const opened = openCredential(sealed, recipient.privateKey, ctx);
    expect(sealed.alg).toBe(SEAL_ALG);
    expect(opened.ok && JSON.parse(opened.value.toString('utf8'))).toEqual(payload);
  });

  it('uses a fresh ephemeral key and iv for every credential', () => {
    const a = sealCredential(payload, recipient.publicKey, ctx);
    const b = sealCredential(payload, recipient.publicKey, ctx);
    expect(a.epk).not.toBe(b.epk);
    expect(a.iv).not.toBe(b.iv);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.tag, 'base64')).toHaveLength(16);
  });

  it('does not open for a different recipient', () => {
    const sealed = sealCredential(payload, recipient.publicKey, ctx);
    expect(opens(sealed, generateRecipientKeyPair().privateKey)).toBe(false);
  });

  it.each(['tenantId', 'agentId', 'startId', 'recipientId'] as const)('does not open when %s changes', (field) => {
    const sealed = sealCredential(payload, recipient.publicKey, ctx);
    expect(opens(sealed, recipient.privateKey, { ...ctx, [field]: `${ctx[field]}x` })).toBe(false);
  });

  it('does not open a blob with any byte field changed', () => {
    const sealed = sealCredential(payload, recipient.publicKey, ctx);
    const ciphertextLength = Buffer.from(sealed.ciphertext, 'base64').length;
    const tampered: SealedCredential[] = [
      { ...sealed, epk: generateRecipientKeyPair().publicKey },
      { ...sealed, epk: flipByte(sealed.epk) },
      { ...sealed, iv: flipByte(sealed.iv) },
      { ...sealed, tag: flipByte(sealed.tag, 15) },
      { ...sealed, ciphertext: flipByte(sealed.ciphertext) },
      { ...sealed, ciphertext: flipByte(sealed.ciphertext, ciphertextLength - 1) },
      { ...sealed, ciphertext: Buffer.from(sealed.ciphertext, 'base64').subarray(1).toString('base64') },
    ];
    for (const blob of tampered) expect(opens(blob, recipient.privateKey)).toBe(false);
    expect(opens(sealed, recipient.privateKey)).toBe(true);
  });

  it('returns an error value, never throws, on malformed input', () => {
    const sealed = sealCredential(payload, recipient.publicKey, ctx);
    const malformed: unknown[] = [
      {},
      { ...sealed, alg: 'X25519-HKDF-SHA512-A256GCM' },
      { ...sealed, epk: sealed.epk.replace(/=+$/, '') },
      { ...sealed, epk: Buffer.alloc(32).toString('base64') },
      { ...sealed, iv: Buffer.alloc(16).toString('base64') },
      { ...sealed, tag: 42 },
      { ...sealed, ciphertext: '' },
    ];
    for (const blob of malformed) {
      const result = openCredential(blob as SealedCredential, recipient.privateKey, ctx);
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'validation_failed' }) });
    }
    expect(opens(sealed, 'not-a-key')).toBe(false);
    expect(opens(sealed, recipient.privateKey, { ...ctx, startId: '' })).toBe(false);
  });

  it('refuses to seal to an invalid key or an ambiguous context', () => {
    expect(() => sealCredential(payload, Buffer.alloc(32).toString('base64'), ctx)).toThrow(/all zero/);
    expect(() => sealCredential(payload, recipient.publicKey, { ...ctx, agentId: 'agt|1' })).toThrow(/agentId/);
  });

  describe('known answer (RFC 7748 section 6.1 keys: ephemeral = Alice, recipient = Bob)', () => {
    const ephemeralPrivate = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
    const ephemeralPublic = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');
    const recipientPrivate = Buffer.from('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb', 'hex');
    const recipientPublic = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex');
    const iv = Buffer.from('000102030405060708090a0b', 'hex');

    it('matches a blob built by hand from node:crypto primitives', () => {
      const jwk = (d: Buffer | null, x: Buffer) => ({ kty: 'OKP', crv: 'X25519', x: x.toString('base64url'), ...(d ? { d: d.toString('base64url') } : {}) });
      const shared = diffieHellman({
        privateKey: createPrivateKey({ key: jwk(ephemeralPrivate, ephemeralPublic), format: 'jwk' }),
        publicKey: createPublicKey({ key: jwk(null, recipientPublic), format: 'jwk' }),
      });
      expect(shared.toString('hex')).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
      const salt = Buffer.concat([ephemeralPublic, recipientPublic]);
      const key = Buffer.from(hkdfSync('sha256', shared, salt, Buffer.from('switchboard credential v1', 'utf8'), 32));
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from('switchboard/credential/v1|ten_1|agt_1|stt_1|rcp_1', 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(Buffer.from(JSON.stringify(payload), 'utf8')), cipher.final()]);

      const sealed = sealWithEphemeral(payload, recipientPublic, ctx, ephemeralPrivate, iv);

      expect(sealed).toEqual({
        alg: 'X25519-HKDF-SHA256-A256GCM',
        epk: ephemeralPublic.toString('base64'),
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      });
    });

    it('keeps the pinned bytes and opens with the recipient private key', () => {
      const sealed = sealWithEphemeral(payload, recipientPublic, ctx, ephemeralPrivate, iv);
      expect(sealed.ciphertext).toBe(
        'IDh76qDyCCjhjVEvUa7w/lG2OHCF1nUSFw5Jq3NGcnOgbZn1duCh7GsdOg2L54TKmdl3ZBSymDcbxqkaFkPPcfvcQig9PKvegm+fj90Qgu0M1fknMb4oTQZCwM6Yq1iFCIUrffal',
      );
      expect(sealed.tag).toBe('o0yHycOJpCe+6//Fop+9ag==');
      const opened = openCredential(sealed, recipientPrivate.toString('base64'), ctx);
      expect(opened.ok && opened.value.toString('utf8')).toBe(JSON.stringify(payload));
    });
  });
});
