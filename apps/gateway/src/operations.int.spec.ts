import { randomBytes } from 'node:crypto';
import { SwaggerModule } from '@nestjs/swagger';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { testIdentities } from '@switchboard/service-identity/testing';
import { startTelemetry, type Telemetry } from '@switchboard/telemetry';
import { generateAccessKey } from './auth/access-key.js';
import { OperatorKeyBootstrap } from './auth/operator-key.bootstrap.js';
import { openApiConfig } from './openapi/openapi.document.js';
import type { GatewayHarness } from '../test/gateway.harness.js';

// Set before the harness (and the fake's decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
type Harness = typeof import('../test/gateway.harness.js').GatewayHarness;

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('gateway operations (in-process, real NATS, fake providers-service)', () => {
  const spans = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let Gateway: Harness;

  beforeAll(async () => {
    telemetry = startTelemetry('gateway', { spanProcessors: [new SimpleSpanProcessor(spans)] });
    Gateway = (await import('../test/gateway.harness.js')).GatewayHarness;
  });

  afterAll(async () => {
    await telemetry?.shutdown();
  });

  describe('with an operator key from the environment', () => {
    const operatorKey = generateAccessKey();
    let h: GatewayHarness;
    let admin: string;
    let tenantId: string;
    const logLines: string[] = [];

    beforeAll(async () => {
      h = await Gateway.start({ namespace, operatorKey, tapBus: false, logLines });
      const tenant = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: 'ops' } });
      admin = (tenant.body as Json).adminKey as string;
      tenantId = (tenant.body as Json).id as string;
    });

    afterAll(async () => {
      await h?.close();
    });

    it('is live and ready while NATS and every service answer', async () => {
      expect((await h.request('GET', '/healthz')).status).toBe(200);
      const ready = await h.request('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({
        status: 'ready',
        checks: { nats: 'ok', providersService: 'ok', credentialsService: 'ok', usageService: 'ok', postgres: 'ok' },
      });
    });

    it('is not ready while credentials-service is away or reports its database down', async () => {
      h.credentials.postgres = false;
      const degraded = await h.request('GET', '/readyz');
      h.credentials.postgres = true;
      expect(degraded.status).toBe(503);
      expect((degraded.body as Json).checks).toMatchObject({ credentialsService: 'ok', postgres: 'down' });
      await h.stopFakeCredentials();
      try {
        const away = await h.request('GET', '/readyz');
        expect(away.status).toBe(503);
        expect(away.headers['retry-after']).toBe('2');
        expect((away.body as Json).checks).toMatchObject({ providersService: 'ok', credentialsService: 'down', usageService: 'down' });
      } finally {
        await h.startFakeCredentials();
      }
      await eventually(async () => (await h.request('GET', '/readyz')).status === 200);
    });

    it('is not ready when providers-service reports its database down', async () => {
      h.state.postgres = false;
      const res = await h.request('GET', '/readyz');
      h.state.postgres = true;
      expect(res.status).toBe(503);
      expect((res.body as Json).checks).toMatchObject({ providersService: 'ok', postgres: 'down' });
    });

    it('lists the keys that sign credential.issued to anybody, without an access key', async () => {
      const res = await h.request('GET', '/v1/credential-issuer');
      expect(res.status).toBe(200);
      const { credentials } = testIdentities().keys;
      expect(res.body).toEqual({ keys: [{ keyId: credentials.keyId, publicKey: credentials.publicKey }] });
    });

    // Swagger UI itself (/docs) is left out here: see GatewayAppOptions.swaggerUi.
    it('serves the OpenAPI document built from the zod schemas', async () => {
      const doc = await h.request('GET', '/docs-json');
      expect(doc.status).toBe(200);
      const paths = (doc.body as { paths: Record<string, Record<string, Json>> }).paths;
      expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/providers/{id}', '/v1/models/{id}']));
      const body = paths['/v1/providers'].post.requestBody as { content: Record<string, { schema: Json }> };
      expect(body.content['application/json'].schema).toMatchObject({
        type: 'object',
        required: ['name', 'type'],
        properties: expect.objectContaining({ type: { type: 'string', enum: ['openai', 'anthropic', 'custom'] } }),
      });
      // An agent's budget is documented as the provider's is: optional, a non-negative number or null.
      const agentBody = paths['/v1/agents'].post.requestBody as { content: Record<string, { schema: Json }> };
      const budget = (agentBody.content['application/json'].schema as { properties: Record<string, Json>; required: string[] });
      expect(budget.required).not.toContain('monthlyBudgetUsd');
      expect(budget.properties['monthlyBudgetUsd']).toMatchObject({ type: 'number', minimum: 0, nullable: true });
      expect(budget.properties['monthlyBudgetUsd']).toEqual(
        (body.content['application/json'].schema as { properties: Record<string, Json> }).properties['monthlyBudgetUsd'],
      );
    });

    it('serves, built on its first request, the same document as one built from the app, byte for byte', async () => {
      const served = await h.request('GET', '/docs-json');
      expect(served.status).toBe(200);
      expect(served.text).toBe(JSON.stringify(SwaggerModule.createDocument(h.app, openApiConfig())));
      expect((await h.request('GET', '/docs-json')).text).toBe(served.text);
    });

    it('exports request durations by route template', async () => {
      await h.request('GET', '/v1/providers/prv_00000000000000000000', { key: admin });
      await h.request('GET', '/no/such/route/42');
      const res = await h.request('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/switchboard_http_server_request_duration_seconds_count\{method="GET",route="\/v1\/providers\/:id",status_code="404"\} \d+/);
      expect(res.text).toMatch(/switchboard_http_server_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} \d+/);
      expect(res.text).not.toContain('/no/such/route');
      expect(res.text).toContain('process_cpu_user_seconds_total');
    });

    it('writes one access-log line per request: route template, status, tenant, request and trace ids, no query or key', async () => {
      const traceId = randomBytes(16).toString('hex');
      const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
      const before = logLines.length;
      await h.request('GET', '/v1/providers/prv_00000000000000000001?apiKey=sk-in-the-query-0123456789', { key: admin, headers: { traceparent } });
      await eventually(async () => logLines.slice(before).some((line) => line.includes('"msg":"http request"')));
      const lines = logLines.slice(before).filter((line) => line.includes('"msg":"http request"'));
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] as string) as Json;
      expect(line).toMatchObject({
        level: 'info',
        method: 'GET',
        route: '/v1/providers/:id',
        status: 404,
        tenant_id: tenantId,
        request_id: expect.stringMatching(/^req_[0-9a-z]{20}$/),
        trace_id: traceId,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
      expect(line['duration_ms']).toEqual(expect.any(Number));
      expect(lines[0]).not.toContain('sk-in-the-query');
      expect(lines[0]).not.toContain(admin);
      expect(lines[0]).not.toContain('prv_00000000000000000001');
    });

    it('traces a request from the HTTP span through the bus call into the service', async () => {
      spans.reset();
      const traceId = randomBytes(16).toString('hex');
      const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
      const res = await h.request('POST', '/v1/providers', {
        key: admin,
        body: { name: 'traced', type: 'openai' },
        headers: { traceparent },
      });
      expect(res.status).toBe(201);
      await eventually(async () => spans.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/providers'));
      const all = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const server = all.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/providers');
      const client = all.find((s) => s.kind === SpanKind.CLIENT && s.name === 'providers.v1.provider.register');
      expect(server?.attributes).toMatchObject({ 'http.route': '/v1/providers', 'http.response.status_code': 201 });
      expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
      expect(all.some((s) => s.kind === SpanKind.SERVER && s.name === 'providers.v1.provider.register')).toBe(true);
      expect(JSON.stringify(server?.attributes)).not.toContain(admin);
    });

    it('forgets a key when another replica revokes it (key.revoked event)', async () => {
      const created = await h.request('POST', '/v1/keys', { key: admin, body: { name: 'short-lived', role: 'member' } });
      const { id, key } = created.body as { id: string; key: string };
      expect((await h.request('GET', '/v1/keys', { key })).status).toBe(200);
      h.state.revokeDirectly(id);
      // Still cached: only the event tells this gateway.
      expect((await h.request('GET', '/v1/keys', { key })).status).toBe(200);
      await h.publish(h.names.event(tenantId, 'key.revoked'), {
        eventId: 'evt_x',
        type: 'key.revoked',
        tenantId,
        at: new Date().toISOString(),
        keyId: id,
      });
      await eventually(async () => (await h.request('GET', '/v1/keys', { key })).status === 401);
    });

    it('answers 503 with Retry-After while providers-service is away', async () => {
      await h.stopFake();
      // A cached key reaches the operation; an unknown one fails at its lookup.
      const sent = Date.now();
      const [known, unknown, ready] = await Promise.all([
        h.request('GET', '/v1/providers', { key: admin }),
        h.request('GET', '/v1/providers', { key: generateAccessKey() }),
        h.request('GET', '/readyz'),
      ]);
      expect(known.status).toBe(503);
      expect(known.headers['retry-after']).toBe('2');
      expect((known.body as { error: Json }).error).toEqual({ code: 'unavailable', message: expect.stringContaining('provider.list') });
      // NATS answers "no responders" at once: no waiting for the bus timeout.
      expect(Date.now() - sent).toBeLessThan(2000);
      expect(unknown.status).toBe(503);
      expect((unknown.body as { error: Json }).error).toEqual({ code: 'unavailable', message: expect.stringContaining('key.resolve') });
      expect(ready.status).toBe(503);
      expect((ready.body as Json).checks).toMatchObject({ nats: 'ok', providersService: 'down' });
      await h.startFake();
      await eventually(async () => (await h.request('GET', '/readyz')).status === 200);
    });
  });

  it('records the operator key of the environment, which closes the slot to generated keys', async () => {
    const { hashAccessKey } = await import('./auth/access-key.js');
    const operatorKey = generateAccessKey();
    const h = await Gateway.start({ namespace, operatorKey, tapBus: false });
    try {
      await h.app.get(OperatorKeyBootstrap).settled();
      expect([h.state.operatorKeyHash, h.state.operatorKeySource]).toEqual([hashAccessKey(operatorKey), 'environment']);
      const lines: string[] = [];
      const replica = await Gateway.start({ namespace, operatorKey: null, startFake: false, tapBus: false, announceOperatorKey: (l) => lines.push(l) });
      try {
        await replica.app.get(OperatorKeyBootstrap).settled();
        expect(lines).toEqual([]);
        expect(h.state.operatorKeyHash).toBe(hashAccessKey(operatorKey));
      } finally {
        await replica.close();
      }
    } finally {
      await h.close();
    }
  });

  describe('without an operator key in the environment', () => {
    const startWithoutOperatorKey = (lines: string[]) =>
      Gateway.start({ namespace, operatorKey: null, startFake: false, tapBus: false, announceOperatorKey: (l) => lines.push(l) });

    it('registers a generated one once providers-service answers, and shows it once', async () => {
      const lines: string[] = [];
      const h = await startWithoutOperatorKey(lines);
      try {
        await new Promise((r) => setTimeout(r, 400));
        expect(lines).toEqual([]);
        await h.startFake();
        await h.app.get(OperatorKeyBootstrap).settled();
        expect(lines).toEqual([expect.stringMatching(/^Operator key \(shown once\): sbk_[A-Za-z0-9_-]{43}$/)]);
        const key = lines[0].split(': ')[1];
        expect((await h.request('POST', '/v1/tenants', { key, body: { name: 'first' } })).status).toBe(201);
      } finally {
        await h.close();
      }
    });

    it('shows nothing when an operator key is already registered', async () => {
      const lines: string[] = [];
      const h = await startWithoutOperatorKey(lines);
      try {
        h.state.operatorKeyHash = 'f'.repeat(64);
        await h.startFake();
        await h.app.get(OperatorKeyBootstrap).settled();
        expect(lines).toEqual([]);
      } finally {
        await h.close();
      }
    });
  });
});
