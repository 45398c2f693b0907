import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/** A span as received over OTLP/HTTP JSON, flattened for assertions. */
export interface CollectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly kind: number;
  readonly serviceName: string;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpKeyValue[];
}
interface OtlpExport {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? null;
const toRecord = (kvs: OtlpKeyValue[] = []): Record<string, unknown> =>
  Object.fromEntries(kvs.map((kv) => [kv.key, valueOf(kv.value)]));

/**
 * An OpenTelemetry collector stand-in that speaks OTLP/HTTP with JSON bodies (what
 * @opentelemetry/exporter-trace-otlp-http sends), so tests assert on spans the services really exported.
 */
export class OtlpCollector {
  private readonly collected: CollectedSpan[] = [];
  private readonly rawBodies: string[] = [];
  private server: Server | null = null;
  private port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.receive(req).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        () => {
          res.writeHead(400);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  spans(): readonly CollectedSpan[] {
    return this.collected;
  }

  /** Every exported byte as received, for scanning for secrets. */
  raw(): string {
    return this.rawBodies.join('\n');
  }

  async waitFor(predicate: (spans: readonly CollectedSpan[]) => boolean, timeoutMs = 15_000): Promise<readonly CollectedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.collected)) {
      if (Date.now() > deadline) throw new Error(`spans did not arrive within ${timeoutMs} ms (have ${this.collected.length})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.collected;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async receive(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    if (req.url !== '/v1/traces') return;
    const text = body.toString('utf8');
    this.rawBodies.push(text);
    const parsed = JSON.parse(text) as OtlpExport;
    for (const rs of parsed.resourceSpans ?? []) {
      const resource = toRecord(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          this.collected.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ? span.parentSpanId : null,
            name: span.name,
            kind: span.kind,
            serviceName: String(resource['service.name'] ?? ''),
            resource,
            attributes: toRecord(span.attributes),
          });
        }
      }
    }
  }
}
