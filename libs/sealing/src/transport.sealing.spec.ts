import { generateRecipientKeyPair } from './recipient-key.js';
import { openFromTransport, sealForTransport, type TransportContext } from './transport.sealing.js';
import { openCredential } from './credential.sealing.js';

const ctx: TransportContext = { purpose: 'secret.create', tenantId: 'ten_1', subject: 'openai-key' };

describe('transport sealing', () => {
  const service = generateRecipientKeyPair();

  it('round-trips a value to the service key', () => {
    const sealed = sealForTransport({ value: 'sk-test-123' }, service.publicKey, ctx);
    const opened = openFromTransport(sealed, service.privateKey, ctx);
    expect(opened.ok && JSON.parse(opened.value.toString('utf8'))).toEqual({ value: 'sk-test-123' });
  });

  it('does not open for another purpose, tenant or subject', () => {
    const sealed = sealForTransport({ value: 'v' }, service.publicKey, ctx);
    for (const other of [
      { ...ctx, purpose: 'secret.rotate' as const },
      { ...ctx, tenantId: 'ten_2' },
      { ...ctx, subject: 'openai-key2' },
    ]) {
      expect(openFromTransport(sealed, service.privateKey, other).ok).toBe(false);
    }
  });

  it('keeps subjects with separators apart', () => {
    const a = sealForTransport({ value: 'v' }, service.publicKey, { ...ctx, tenantId: 'a|b', subject: 'c' });
    expect(openFromTransport(a, service.privateKey, { ...ctx, tenantId: 'a', subject: 'b|c' }).ok).toBe(false);
  });

  it('never opens as a credential, nor a credential as a transport blob', () => {
    const sealed = sealForTransport({ value: 'v' }, service.publicKey, ctx);
    const asCredential = openCredential(sealed, service.privateKey, { tenantId: 'ten_1', agentId: 'a', startId: 's', recipientId: 'r' });
    expect(asCredential.ok).toBe(false);
  });
});
