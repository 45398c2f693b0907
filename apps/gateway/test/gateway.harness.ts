import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { busNames, type BusNames } from '@switchboard/contracts';
import type { ServiceName } from '@switchboard/contracts';
import { connectNats, natsMicroserviceOptions, ServiceIdentityModule, type NatsConfig } from '@switchboard/messaging';
import { testIdentities } from '@switchboard/service-identity/testing';
import { createLogger } from '@switchboard/telemetry';
import type { AccessLogLevel, GatewayConfig } from '../src/config/gateway.config.js';
import { createGatewayApp } from '../src/gateway.app.js';
import { countTokensInProcess } from '../src/proxy/record/usage-estimate/token-count.js';
import { FakeCredentialsState, fakeCredentialsModule, fakeUsageHealthModule } from './fake-credentials.service.js';
import { fakeProvidersModule } from './fake-agent-runs.controller.js';
import { FakeProvidersState } from './fake-providers.service.js';

export interface HarnessResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly text: string;
}

export interface RequestOptions {
  readonly key?: string;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HarnessOptions {
  readonly namespace: string;
  readonly operatorKey: string | null;
  readonly announceOperatorKey?: (line: string) => void;
  readonly startFake?: boolean;
  /** Default true: a fake credentials-service (and usage-service health) answers over NATS too. */
  readonly startFakeCredentials?: boolean;
  /** Receives every log line of the gateway, debug level included (canary checks). */
  readonly logLines?: string[];
  /**
   * Default true. The tap subscribes to every command subject, so NATS never answers "no responders" and a
   * request to an absent service waits out its timeout; leave it off to exercise the real no-responders path.
   */
  readonly tapBus?: boolean;
  /** SWITCHBOARD_EGRESS_ALLOW of the gateway under test, e.g. `127.0.0.1/32` for a mock upstream. */
  readonly egressAllow?: string;
  readonly spoolDir?: string;
  /** SWITCHBOARD_UPSTREAM_TIMEOUT_MS of the gateway under test. */
  readonly upstreamTimeoutMs?: number;
  /** Level of the access-log line per request (default info). */
  readonly accessLog?: AccessLogLevel;
}

/**
 * A gateway in this process (on a random local port) against the real NATS server, fake providers-service and
 * credentials-service answering over NATS, and a tap recording every command subject put on the bus.
 * The namespace must equal SWITCHBOARD_NAMESPACE when this module is first imported (decorators read it).
 */
export class GatewayHarness {
  readonly state = new FakeProvidersState();
  readonly credentials = new FakeCredentialsState();
  readonly busSubjects: string[] = [];
  /** The raw payload of every command, in the order of busSubjects (canary checks). */
  readonly busPayloads: string[] = [];
  private fake: INestMicroservice | null = null;
  private fakeCredentials: INestMicroservice[] = [];

  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly names: BusNames,
    readonly nats: NatsConfig,
    private readonly tapConnection: NatsConnection,
    private readonly tap: Subscription | null,
  ) {}

  static async start(options: HarnessOptions): Promise<GatewayHarness> {
    const nats: NatsConfig = { url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', namespace: options.namespace, name: 'gateway-test' };
    const names = busNames(options.namespace);
    const tapConnection = await connectNats({ ...nats, name: 'gateway-test-tap' });
    const tap = options.tapBus === false ? null : tapConnection.subscribe(names.command('>'));
    const config: GatewayConfig = {
      port: 0,
      host: '127.0.0.1',
      operatorKey: options.operatorKey,
      natsUrl: nats.url,
      namespace: options.namespace,
      otlpEndpoint: null,
      egressAllow: options.egressAllow ?? '',
      spoolDir: options.spoolDir ?? '.switchboard/spool',
      kvReplicas: 1,
      rpmElectionWaitMs: 10_000,
      upstreamTimeoutMs: options.upstreamTimeoutMs ?? 600_000,
      requestTimeoutMs: 60_000,
      maxUploadsPerAddress: 32,
      budget: { reservationTtlMs: 1_800_000, defaultMaxOutputTokens: 4096, leases: true },
      breaker: { failures: 5, halfOpenMs: 30_000 },
      observability: { accessLog: options.accessLog ?? 'info', maxModelSeries: 1_000 },
    };
    const lines = options.logLines;
    const logger = lines
      ? createLogger('gateway', { level: 'debug', write: (line) => lines.push(line) })
      : createLogger('gateway', { level: 'error', write: () => undefined });
    const app = await createGatewayApp({
      config,
      nats,
      identity: testIdentities().identity('gateway'),
      // Jest runs the sources, from which no worker thread can start: estimates count in this process.
      tokenCounter: countTokensInProcess,
      logger,
      announceOperatorKey: options.announceOperatorKey,
      swaggerUi: false,
    });
    // A real port rather than app.inject(): light-my-request require()s an ESM-only package, which Jest on Node 20 cannot load.
    await app.listen({ port: 0, host: '127.0.0.1' });
    const harness = new GatewayHarness(app, await app.getUrl(), names, nats, tapConnection, tap);
    if (tap) {
      void (async () => {
        for await (const message of tap) {
          harness.busSubjects.push(message.subject);
          harness.busPayloads.push(message.string());
        }
      })();
    }
    harness.credentials.dependents = (tenantId, secretId) =>
      [...harness.state.providers.values()].filter((p) => p.tenantId === tenantId && p.credential?.secretId === secretId).map((p) => p.id);
    if (options.startFake !== false) await harness.startFake();
    if (options.startFakeCredentials !== false) await harness.startFakeCredentials();
    return harness;
  }

  async startFake(): Promise<void> {
    if (this.fake) return;
    this.fake = await this.startFakeService('providers', fakeProvidersModule(this.state));
  }

  /** A stand-in service app, answering (and signing) as the named service. */
  private async startFakeService(service: ServiceName, module: Parameters<typeof ServiceIdentityModule.around>[0]): Promise<INestMicroservice> {
    const fake = await NestFactory.createMicroservice(ServiceIdentityModule.around(module, testIdentities().identity(service)), {
      ...natsMicroserviceOptions({ ...this.nats, name: `fake-${service}` }, service),
      logger: false,
    });
    await fake.listen();
    return fake;
  }

  async stopFake(): Promise<void> {
    await this.fake?.close();
    this.fake = null;
  }

  async startFakeCredentials(): Promise<void> {
    if (this.fakeCredentials.length > 0) return;
    this.fakeCredentials = [
      await this.startFakeService('credentials', fakeCredentialsModule(this.credentials)),
      await this.startFakeService('usage', fakeUsageHealthModule(this.credentials)),
    ];
  }

  async stopFakeCredentials(): Promise<void> {
    for (const fake of this.fakeCredentials.splice(0)) await fake.close();
  }

  /** Round-trips a ping so every message sent before it has reached the tap. */
  async flushTap(): Promise<void> {
    await this.tapConnection.flush();
  }

  /** Publishes a core NATS message, e.g. an event another service would emit. */
  async publish(subject: string, data: unknown): Promise<void> {
    this.tapConnection.publish(subject, JSON.stringify(data));
    await this.tapConnection.flush();
  }

  async request(method: string, url: string, options: RequestOptions = {}): Promise<HarnessResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let payload: string | undefined = options.rawBody;
    if (payload === undefined && options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${url}`, { method, headers, body: payload });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body, text };
  }

  async close(): Promise<void> {
    await this.app.close();
    // In parallel: each fake waits out its transport's grace period on close.
    await Promise.all([this.stopFake(), this.stopFakeCredentials()]);
    this.tap?.unsubscribe();
    await this.tapConnection.drain();
  }
}
