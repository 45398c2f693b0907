import { SpanKind, type Attributes } from '@opentelemetry/api';
import { withSpan } from '@switchboard/telemetry';
import { isKmsError } from './kms.port.js';

/** The AWS KMS API's names for what the port does; the local backend's spans use them too. */
export type KmsOperation = 'GenerateDataKey' | 'Decrypt' | 'ReEncrypt' | 'DescribeKey' | 'CreateKey' | 'CreateAlias' | 'ScheduleKeyDeletion' | 'DestroyKey';

/**
 * The attributes of a KMS span. The aws backend's calls are AWS API calls (`rpc.system` `aws-api`, `rpc.service`
 * `KMS`, `rpc.method`, as the semantic conventions for AWS SDK calls have them); both backends add `kms.backend`
 * and `kms.operation`, so one query finds every KMS call. Never a key, a blob or an encryption context value.
 */
export function kmsSpanAttributes(backend: 'local' | 'aws', operation: KmsOperation): Attributes {
  const kms = { 'kms.backend': backend, 'kms.operation': operation };
  return backend === 'aws' ? { 'rpc.system': 'aws-api', 'rpc.service': 'KMS', 'rpc.method': operation, ...kms } : kms;
}

/**
 * One span per KMS call: CLIENT for aws (a remote call), INTERNAL for local (in-process). A failure's KmsError code
 * becomes `error.type`.
 */
export function withKmsSpan<T>(backend: 'local' | 'aws', operation: KmsOperation, fn: () => Promise<T>): Promise<T> {
  const kind = backend === 'aws' ? SpanKind.CLIENT : SpanKind.INTERNAL;
  return withSpan(`KMS ${operation}`, { kind, attributes: kmsSpanAttributes(backend, operation) }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      if (isKmsError(error)) span.setAttribute('error.type', error.code);
      throw error;
    }
  });
}
