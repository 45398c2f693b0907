import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { busNames } from '@switchboard/contracts';
import { BusClient, DirectClient, SERVICE_IDENTITY } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';
import type { Logger } from '@switchboard/telemetry';
import type { TokenCounter } from '@switchboard/llm-protocols';
import { EgressPolicy, UpstreamClient, checkEndpoint } from '@switchboard/upstream';
import type { FastifyInstance } from 'fastify';
import { KeyResolver } from '../auth/key.resolver.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, TOKEN_COUNTER } from '../core/core.tokens.js';
import { NatsLink } from '../core/nats.link.js';
import { ApiErrorException } from '../http/api-error.exception.js';
import { HttpMetrics } from '../metrics/http.metrics.js';
import { AgentRouteCache } from './route/agent-route.cache.js';
import { BudgetAdmission } from './admit/budget.admission.js';
import { BudgetLeases } from './admit/budget.leases.js';
import { busBudgetLedger } from './admit/budget.ledger.js';
import { GatewayCredentialCache } from './forward/gateway-credential.cache.js';
import { ProxyCacheListener } from './route/proxy-cache.listener.js';
import { ProxyHandler } from './pipeline/proxy.handler.js';
import { registerProxyRoutes } from './pipeline/proxy.routes.js';
import { JetStreamCounters } from './admit/rpm.counters.js';
import { RpmLimiter } from './admit/rpm.limiter.js';
import { CredentialChecks } from './forward/credential-checks.js';
import { CircuitMetrics } from './failover/circuit.metrics.js';
import { ProviderCircuits } from './failover/provider-circuits.js';
import { UsagePublisher } from './record/usage.publisher.js';
import { jetStreamUsageSink } from './record/usage.sink.js';
import { UsageRecorder } from './record/usage.recorder.js';
import { UsageSpool } from './record/usage.spool.js';
import { WorkerTokenCounter } from './record/usage-estimate/worker.token-counter.js';

/** The built worker script beside this module (dist/proxy/record/usage-estimate/). */
const TOKEN_COUNTER_WORKER = new URL('./record/usage-estimate/token-counter.worker.js', import.meta.url);

/**
 * The proxy's process-wide parts, built once: the one UpstreamClient (egress policy, keep-alive pools), the
 * route and credential caches with the events that keep them fresh, the RPM limiter and the usage publisher.
 * Model discovery and the Test action use the same client and caches.
 */
@Injectable()
export class ProxyRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly upstream: UpstreamClient;
  readonly policy: EgressPolicy;
  readonly routes: AgentRouteCache;
  readonly credentials: GatewayCredentialCache;
  readonly limiter: RpmLimiter;
  readonly usage: UsagePublisher;
  readonly budget: BudgetAdmission;
  readonly handler: ProxyHandler;
  /** What upstreams say of providers' credentials, reported by discovery, Test and proxied calls. */
  readonly credentialChecks: CredentialChecks;
  /** Failover's per-provider circuit breakers; their states show on GET /v1/providers. */
  readonly circuits: ProviderCircuits;
  private readonly listener: ProxyCacheListener;
  /** Counts tokens for estimates in a worker of its own, unless the app was given a counter. */
  private readonly tokens: WorkerTokenCounter | null;
  private readonly recorder: UsageRecorder;

  constructor(
    bus: BusClient,
    keys: KeyResolver,
    private readonly nats: NatsLink,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_IDENTITY) identity: ServiceIdentity,
    @Inject(TOKEN_COUNTER) tokenCounter: TokenCounter | null,
    metrics: HttpMetrics,
  ) {
    const names = busNames(config.namespace);
    this.policy = EgressPolicy.fromEnv(config.egressAllow);
    this.upstream = new UpstreamClient({ policy: this.policy });
    this.routes = new AgentRouteCache(bus);
    this.credentials = new GatewayCredentialCache(bus);
    const connection = () => nats.current;
    this.limiter = new RpmLimiter({
      counters: new JetStreamCounters({ bucket: names.durable('sb_rate'), connection, replicas: config.kvReplicas }),
      electionWaitMs: config.rpmElectionWaitMs,
    });
    this.usage = new UsagePublisher({ names, spool: new UsageSpool(config.spoolDir), sink: jetStreamUsageSink(connection, { inboxPrefix: nats.inboxPrefix }), logger });
    const ledger = busBudgetLedger(new DirectClient(connection, config.namespace, identity));
    this.budget = new BudgetAdmission({
      ledger,
      logger,
      reservationTtlMs: config.budget.reservationTtlMs,
      defaultMaxOutputTokens: config.budget.defaultMaxOutputTokens,
      ...(config.budget.leases ? { leases: new BudgetLeases({ ledger, logger, ttlMs: config.budget.reservationTtlMs }) } : {}),
    });
    this.listener = new ProxyCacheListener(names, this.routes, this.credentials, logger);
    this.credentialChecks = new CredentialChecks(bus, logger);
    this.tokens = tokenCounter === null ? new WorkerTokenCounter(TOKEN_COUNTER_WORKER, logger) : null;
    this.recorder = new UsageRecorder(this.usage, tokenCounter ?? (this.tokens as WorkerTokenCounter).count, logger, metrics.proxy);
    // The gauge counts the breakers only when scraped, by then built.
    const circuitMetrics = new CircuitMetrics(metrics.registry, () => this.circuits.countByState());
    this.circuits = new ProviderCircuits({ ...config.breaker, logger, onTransition: (to) => circuitMetrics.transition(to) });
    this.handler = new ProxyHandler({
      keys,
      routes: this.routes,
      credentials: this.credentials,
      limiter: this.limiter,
      budget: this.budget,
      upstream: this.upstream,
      recorder: this.recorder,
      credentialChecks: this.credentialChecks,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      circuits: this.circuits,
      logger,
    });
  }

  /**
   * Save-time check of a provider endpoint against the egress policy, for the tenant saving it (400
   * validation_failed with the reason, before anything is written); connections are checked again when
   * opened, as DNS may change in between.
   */
  async assertEndpointAllowed(endpoint: string, tenantId: string): Promise<void> {
    const checked = await checkEndpoint(endpoint, this.policy, tenantId);
    if (!checked.ok) throw new ApiErrorException(checked.error.code, `endpoint: ${checked.error.message}`);
  }

  /** Before app.init(), so the instance's observability hooks apply and Fastify is not yet started. */
  register(fastify: FastifyInstance): void {
    registerProxyRoutes(fastify, this.handler, this.logger);
  }

  onApplicationBootstrap(): void {
    this.nats.onConnect((connection) => this.listener.attach(connection));
    this.usage.start();
  }

  /** While NATS is still up: unused leases go back to their budgets rather than wait to expire. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.budget.stop().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listener.stop();
    // The HTTP server is closed by now: every call has ended, and once its estimate (if any) is done, queued its usage event.
    await this.recorder.settled();
    await this.usage.stop();
    await this.tokens?.close();
    await this.upstream.close().catch(() => undefined);
  }
}
