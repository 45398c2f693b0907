import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type Telemetry } from '@switchboard/telemetry';
import { kmsSpanAttributes } from './kms.tracing.js';
import { LocalKms } from './local.kms.js';

describe('KMS spans', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry('kms-spec', { spanProcessors: [processor] });
  });
  afterAll(() => telemetry.shutdown());

  it('names the AWS API call for aws and the backend and operation for both', () => {
    expect(kmsSpanAttributes('aws', 'Decrypt')).toEqual({
      'rpc.system': 'aws-api',
      'rpc.service': 'KMS',
      'rpc.method': 'Decrypt',
      'kms.backend': 'aws',
      'kms.operation': 'Decrypt',
    });
    expect(kmsSpanAttributes('local', 'GenerateDataKey')).toEqual({ 'kms.backend': 'local', 'kms.operation': 'GenerateDataKey' });
  });

  it('gives each local KMS call a span, a failure its error code, and never key material', async () => {
    const masterKey = randomBytes(32);
    const kms = LocalKms.open({ masterKey });
    const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };
    const key = await kms.generateDataKey(context);
    await kms.decryptDataKey(key.wrapped, context, key.keyId);
    await expect(kms.decryptDataKey(key.wrapped, { ...context, version: '2' })).rejects.toThrow();
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.kind])).toEqual([
      ['KMS GenerateDataKey', SpanKind.INTERNAL],
      ['KMS Decrypt', SpanKind.INTERNAL],
      ['KMS Decrypt', SpanKind.INTERNAL],
    ]);
    expect(spans[2]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[2]?.attributes['error.type']).toBe('kms_decrypt_failed');
    const exported = JSON.stringify(spans.map((s) => ({ attributes: s.attributes, events: s.events })));
    for (const secret of [key.plaintext, key.wrapped, masterKey]) expect(exported).not.toContain(secret.toString('base64'));
  });
});
