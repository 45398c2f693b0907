import { processHistogram } from '@switchboard/telemetry';
import type { KmsPort } from './kms.port.js';

const kmsDuration = processHistogram({
  name: 'switchboard_kms_request_duration_seconds',
  help: 'Duration of KMS calls by backend, operation and outcome (ok or the KMS error code)',
  labelNames: ['backend', 'operation', 'outcome'],
});

type Operation = 'generate_data_key' | 'decrypt' | 're_encrypt' | 'tenant_key' | 'destroy_tenant_key';

async function timed<T>(backend: string, operation: Operation, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let outcome = 'ok';
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    outcome = typeof code === 'string' && code.startsWith('kms_') ? code : 'error';
    throw error;
  } finally {
    kmsDuration.observe({ backend, operation, outcome }, (performance.now() - started) / 1000);
  }
}

/** The same port, with each data-key call's duration in `switchboard_kms_request_duration_seconds`. */
export function meteredKms(kms: KmsPort): KmsPort {
  const { backend } = kms;
  return {
    backend,
    get keyId() {
      return kms.keyId;
    },
    generateDataKey: (context, keyId) => timed(backend, 'generate_data_key', () => kms.generateDataKey(context, keyId)),
    decryptDataKey: (wrapped, context, keyId) => timed(backend, 'decrypt', () => kms.decryptDataKey(wrapped, context, keyId)),
    reEncryptDataKey: (wrapped, context, destinationKeyId) => timed(backend, 're_encrypt', () => kms.reEncryptDataKey(wrapped, context, destinationKeyId)),
    keyIdOf: (wrapped) => kms.keyIdOf(wrapped),
    tenantKeyId: (tenantId) => timed(backend, 'tenant_key', () => kms.tenantKeyId(tenantId)),
    destroyTenantKey: (tenantId) => timed(backend, 'destroy_tenant_key', () => kms.destroyTenantKey(tenantId)),
    close: () => kms.close(),
  };
}
