// What encoding a batch of spans for OTLP/HTTP costs the exporting process, JSON bodies (the default) against protobuf
// (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf), with nothing else on the path: no network, no stack. The spans are
// those of one proxied call through the gateway, with the attributes it sets: the HTTP SERVER span, the upstream
// CLIENT span (GenAI conventions) and the usage event's PRODUCER span. Run by hand: `node test/bench/span-export.bench.mjs`.
// Env: SPAN_BATCH (spans per export; default 512, the batch processor's), SPAN_ROUNDS (batches timed; default 400).
import { performance } from 'node:perf_hooks';
import { SpanKind } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const BATCH = Number(process.env.SPAN_BATCH ?? 512);
const ROUNDS = Number(process.env.SPAN_ROUNDS ?? 400);

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'gateway', 'service.instance.id': 'gateway-0', 'host.name': 'bench', 'process.pid': process.pid }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('switchboard');

/** The three spans a proxied non-streamed call leaves in the gateway. */
function oneCall(i) {
  const server = tracer.startSpan('POST /v1/chat/completions', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'url.path': '/v1/chat/completions', 'url.scheme': 'http', 'http.route': '/v1/chat/completions' },
  });
  const genAi = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-mock',
    'gen_ai.response.model': 'gpt-mock',
    'openai.api.type': 'chat_completions',
    'server.address': '127.0.0.1',
    'server.port': 4010,
    'gen_ai.usage.input_tokens': 9,
    'gen_ai.usage.output_tokens': 16,
  };
  const upstream = tracer.startSpan('chat gpt-mock', { kind: SpanKind.CLIENT, attributes: { ...genAi, 'switchboard.usage_source': 'upstream' } });
  upstream.end();
  const producer = tracer.startSpan('send usage.recorded', {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': 'events.ten_0123456789abcdefghij.usage.usage.recorded',
      'messaging.message.id': `req_${String(i).padStart(20, '0')}`,
    },
  });
  producer.end();
  server.setAttributes({ ...genAi, 'http.response.status_code': 200 });
  server.end();
}

for (let i = 0; exporter.getFinishedSpans().length < BATCH; i++) oneCall(i);
const batch = exporter.getFinishedSpans().slice(0, BATCH);

function time(serializer) {
  let bytes = 0;
  for (let i = 0; i < 200; i++) serializer.serializeRequest(batch);
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) bytes = serializer.serializeRequest(batch).length;
  const ms = performance.now() - t0;
  return { 'µs per span': ((ms * 1000) / (ROUNDS * BATCH)).toFixed(2), 'µs per call (3 spans)': ((ms * 3000) / (ROUNDS * BATCH)).toFixed(1), 'KiB per batch': (bytes / 1024).toFixed(0) };
}

const rows = [];
for (let round = 0; round < 4; round++) {
  rows.push({ encoding: 'JSON (http/json)', ...time(JsonTraceSerializer) });
  rows.push({ encoding: 'protobuf (http/protobuf)', ...time(ProtobufTraceSerializer) });
}
console.log(`Encoding one OTLP export of ${BATCH} spans (the spans of ${Math.ceil(BATCH / 3)} proxied calls), ${ROUNDS} times per row`);
console.table(rows);
