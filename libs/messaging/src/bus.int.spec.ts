import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { jest } from '@jest/globals';
import { Controller, Inject, Module } from '@nestjs/common';
import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { defineOperation, fromGateway, ok } from '@switchboard/contracts';
import { testIdentities } from '@switchboard/service-identity/testing';
import type { ParsedRequestOf, ReplyOf, Result } from '@switchboard/contracts';
import { startTelemetry } from '@switchboard/telemetry';
import type { Telemetry } from '@switchboard/telemetry';
import { BusClient } from './bus.client.js';
import { BusModule } from './bus.module.js';
import { HandleOperation } from './handle-operation.decorator.js';
import { natsMicroserviceOptions } from './nats.config.js';
import { ServiceIdentityModule } from './service-identity.module.js';
import type { NatsConfig } from './nats.config.js';

// HandleOperation namespaces subjects when the controller below is declared.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env['SWITCHBOARD_NAMESPACE'] = namespace;
// The failures provoked below are logged as warnings; keep the test output to errors.
process.env['LOG_LEVEL'] = 'error';
const cfg: NatsConfig = { url: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', namespace, name: 'bus-spec' };

const Echo = defineOperation(
  'providers.v1.spec-echo',
  z.object({
    text: z.string().trim().min(1, 'must not be empty'),
    items: z.array(z.object({ n: z.number().int() })).default([]),
  }),
  z.object({ text: z.string(), items: z.number(), instance: z.string(), traceId: z.string(), spanId: z.string() }),
  fromGateway,
);
const Explode = defineOperation('providers.v1.spec-explode', z.object({}), z.object({}), fromGateway);
const Slow = defineOperation('providers.v1.spec-slow', z.object({}), z.object({}), fromGateway);
const WrongReply = defineOperation('providers.v1.spec-wrong-reply', z.object({}), z.object({ name: z.string() }), fromGateway);
const Nobody = defineOperation('providers.v1.spec-nobody', z.object({}), z.object({}), fromGateway);
const identities = testIdentities();

const INSTANCE = Symbol('INSTANCE');
const handledBy: string[] = [];
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let releaseSlow: () => void = () => undefined;

@Controller()
class SpecController {
  constructor(@Inject(INSTANCE) private readonly instance: string) {}

  @HandleOperation(Echo)
  async echo(@Payload() request: ParsedRequestOf<typeof Echo>): Promise<Result<ReplyOf<typeof Echo>>> {
    await delay(2);
    handledBy.push(this.instance);
    const active = trace.getActiveSpan()?.spanContext();
    return ok({
      text: request.text,
      items: request.items.length,
      instance: this.instance,
      traceId: active?.traceId ?? '',
      spanId: active?.spanId ?? '',
    });
  }

  @HandleOperation(Explode)
  async explode(): Promise<Result<ReplyOf<typeof Explode>>> {
    await delay(1);
    throw new Error('lost postgres://app:hunter2@db/sb while using sk-live-abcdefgh12345678');
  }

  @HandleOperation(Slow)
  async slow(): Promise<Result<ReplyOf<typeof Slow>>> {
    await new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    return ok({});
  }

  @HandleOperation(WrongReply)
  async wrongReply(): Promise<Result<{ name: number }>> {
    return ok({ name: 42 });
  }
}

function serviceModule(instance: string) {
  @Module({ controllers: [SpecController], providers: [{ provide: INSTANCE, useValue: instance }] })
  class SpecServiceModule {}
  return SpecServiceModule;
}

@Module({ imports: [BusModule.forRoot(cfg, identities.identity('gateway'))] })
class ClientModule {}

describe('BusClient ⇄ HandleOperation over NATS', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  let telemetry: Telemetry;
  let services: INestMicroservice[] = [];
  let clientApp: INestApplicationContext;
  let bus: BusClient;

  beforeAll(async () => {
    telemetry = startTelemetry('bus-spec', { spanProcessors: [processor] });
    services = await Promise.all(
      ['a', 'b'].map(async (instance) => {
        const options = natsMicroserviceOptions(cfg, 'spec', { gracePeriodMs: 10 });
        const module = ServiceIdentityModule.around(serviceModule(instance), identities.identity('providers'));
        const app = await NestFactory.createMicroservice(module, { ...options, logger: false });
        await app.listen();
        // The SUBs must reach the server before the first request, or it would find no responders.
        await app.unwrap<NatsConnection>().flush();
        return app;
      }),
    );
    clientApp = await NestFactory.createApplicationContext(ClientModule, { logger: false });
    bus = clientApp.get(BusClient);
  });

  afterAll(async () => {
    await clientApp?.close();
    await Promise.all(services.map((app) => app.close()));
    await telemetry?.shutdown();
  });

  beforeEach(() => exporter.reset());

  it('answers with the handler result; the handler receives the parsed request', async () => {
    const result = await bus.send(Echo, { text: '  hello  ' });
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ text: 'hello', items: 0 }) });
  });

  it('refuses a bad payload with validation_failed and a path-prefixed message', async () => {
    const wrongType = await bus.send(Echo, { text: 42 } as never);
    expect(wrongType).toEqual({ ok: false, error: expect.objectContaining({ code: 'validation_failed' }) });
    expect(!wrongType.ok && wrongType.error.message).toMatch(/^text: /);

    const nested = await bus.send(Echo, { text: 'x', items: [{ n: 1 }, { n: 1.5 }] });
    expect(!nested.ok && nested.error).toEqual(
      expect.objectContaining({ code: 'validation_failed', message: expect.stringMatching(/^items\[1\]\.n: /) }),
    );
  });

  it('turns a thrown error into internal, logged without secrets, with an ERROR server span', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const result = await bus.send(Explode, {});
      expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'internal error' } });
      // The logger writes a turn's lines together at the end of that turn: wait for it rather than race it.
      for (let turn = 0; turn < 200 && !lines.some((line) => line.includes('handler failed')); turn++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      spy.mockRestore();
    }
    await processor.forceFlush();
    const server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
    expect(server?.attributes['switchboard.error_code']).toBe('internal');
    const logged = lines.find((line) => line.includes('handler failed'));
    expect(logged).toBeDefined();
    expect(logged).toContain('providers.v1.spec-explode');
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('sk-live-abcdefgh12345678');
  });

  it('reports a reply that does not match op.reply as internal', async () => {
    const result = await bus.send(WrongReply, {});
    expect(!result.ok && result.error).toEqual(
      expect.objectContaining({ code: 'internal', message: expect.stringContaining('name: ') }),
    );
  });

  it('returns unavailable quickly when nobody answers the subject', async () => {
    const started = Date.now();
    const result = await bus.send(Nobody, {});
    expect(!result.ok && result.error.code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('returns unavailable when the reply misses the timeout', async () => {
    const started = Date.now();
    const result = await bus.send(Slow, {}, { timeoutMs: 150 });
    releaseSlow();
    expect(!result.ok && result.error).toEqual(
      expect.objectContaining({ code: 'unavailable', message: expect.stringContaining('150 ms') }),
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('returns unavailable at once when NATS cannot be reached', async () => {
    const down = BusClient.create({ ...cfg, url: 'nats://127.0.0.1:1' }, identities.identity('gateway'));
    const started = Date.now();
    try {
      const result = await down.send(Echo, { text: 'x' });
      expect(!result.ok && result.error.code).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await down.close();
    }
  });

  it('returns unavailable quickly, without hanging, once the connection to NATS is lost', async () => {
    const nats = new URL(cfg.url);
    const sockets = new Set<Socket>();
    const proxy = createServer((downstream) => {
      const upstream = tcpConnect(Number(nats.port || 4222), nats.hostname);
      for (const socket of [downstream, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
      }
      downstream.pipe(upstream).pipe(downstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = BusClient.create({ ...cfg, url: `nats://127.0.0.1:${(proxy.address() as AddressInfo).port}` }, identities.identity('gateway'));
    try {
      expect((await viaProxy.send(Echo, { text: 'up' })).ok).toBe(true);
      proxy.close();
      for (const socket of sockets) socket.destroy();
      await delay(50);
      const started = Date.now();
      const result = await viaProxy.send(Echo, { text: 'down' });
      expect(!result.ok && result.error.code).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await viaProxy.close();
    }
  });

  it('shares requests across the queue group, each handled exactly once', async () => {
    handledBy.length = 0;
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => bus.send(Echo, { text: `r${i}` })));
    const answeredBy = results.map((result) => (result.ok ? result.value.instance : 'failed'));
    expect(answeredBy).not.toContain('failed');
    expect(handledBy).toHaveLength(40);
    expect([...handledBy].sort()).toEqual([...answeredBy].sort());
    expect(new Set(handledBy)).toEqual(new Set(['a', 'b']));
  });

  it('continues the client trace in the server span, which is active inside the handler', async () => {
    const result = await bus.send(Echo, { text: 'traced' });
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans().filter((span) => span.name === 'providers.v1.spec-echo');
    const client = spans.find((span) => span.kind === SpanKind.CLIENT);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(client && server).toBeTruthy();
    expect(server?.spanContext().traceId).toBe(client?.spanContext().traceId);
    expect(server?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(result.ok && result.value).toEqual(
      expect.objectContaining({ traceId: server?.spanContext().traceId, spanId: server?.spanContext().spanId }),
    );
    expect(server?.attributes['messaging.destination.name']).toBe(`${namespace}.sb.providers.v1.spec-echo`);
  });
});
