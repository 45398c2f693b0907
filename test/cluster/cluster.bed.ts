import pg from 'pg';
import { ApiClient, MockLlmUpstream, SERVICES, Stack, type MockCall, type ServiceName } from '@switchboard/testing';
import { CALL_COST_USD, MODEL, OUTPUT_USD_PER_MTOK, type Route } from '../reliability/reliability.bed.js';
import type { CheckedBed } from '../reliability/reliability.checks.js';
import { NatsCluster } from './nats.cluster.js';

type Json = Record<string, unknown>;

/** A route of the cluster run: a provider with a monthly budget and, optionally, a requests-per-minute limit. */
export interface ClusterRoute extends Route {
  readonly rpm: number | null;
}

export interface ClusterBedOptions {
  readonly log?: (line: string) => void;
  readonly echo?: boolean;
  /** Processes per service (default 2 of each). */
  readonly replicas?: number;
}

/**
 * The multi-node deployment on one machine: a 3-node NATS cluster with JetStream, the four services with two
 * processes each, all given every node's URL and R3 for the EVENTS stream and the KV buckets, on a fresh database
 * (the machine's PostgreSQL) and namespace, with the mock LLM upstream and the local KMS backend.
 */
export class ClusterBed implements CheckedBed {
  private constructor(
    readonly cluster: NatsCluster,
    readonly mock: MockLlmUpstream,
    readonly stack: Stack,
    readonly db: pg.Pool,
    readonly admin: ApiClient,
  ) {}

  static async start(options: ClusterBedOptions = {}): Promise<ClusterBed> {
    const log = options.log ?? (() => undefined);
    const cluster = await NatsCluster.start(3);
    const mock = await new MockLlmUpstream().start();
    let stack: Stack | null = null;
    try {
      const each = options.replicas ?? 2;
      log(`NATS cluster up (${cluster.url}); starting ${each} processes of each service`);
      stack = await Stack.start({
        replicas: Object.fromEntries(SERVICES.map((s) => [s, each])) as Record<ServiceName, number>,
        echo: options.echo ?? false,
        readyTimeoutMs: 120_000,
        env: {
          NATS_URL: cluster.url,
          SWITCHBOARD_EVENTS_REPLICAS: '3',
          SWITCHBOARD_KV_REPLICAS: '3',
          SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
          SWITCHBOARD_BUDGET_RESERVATION_TTL_MS: '10000',
        },
      });
      const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 3, application_name: 'cluster-observer' });
      db.on('error', () => undefined);
      const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'cluster' });
      if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${tenant.text}`);
      return new ClusterBed(cluster, mock, stack, db, new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string));
    } catch (error) {
      await stack?.stop();
      await mock.stop();
      await cluster.stop();
      throw error;
    }
  }

  /** One live node's URL (every node is up when the checks read the stream). */
  get nats(): { readonly url: string } {
    return { url: this.cluster.nodes[0].server.url };
  }

  /** The stack's streams: EVENTS and every KV bucket of its namespace (`KV_<namespace>_…`, e.g. the RPM limiter's `sb_rate`). */
  streams(): Promise<string[]> {
    return this.cluster.streams([this.stack.names.eventsStream, `KV_${this.stack.names.namespace}_`]);
  }

  /** A fresh provider (budget of `budgetCalls` calls, optional RPM limit), its model, an agent and its key. */
  async route(name: string, budgetCalls: number, rpm: number | null = null): Promise<ClusterRoute> {
    const upstreamKey = `sk-${name}-${Math.random().toString(36).slice(2, 12)}`;
    const limitUsd = budgetCalls * CALL_COST_USD;
    const provider = await this.admin.post<Json>('/v1/providers', {
      name,
      type: 'custom',
      endpoint: `${this.mock.baseUrl}/v1`,
      apiKey: upstreamKey,
      monthlyBudgetUsd: limitUsd,
      ...(rpm === null ? {} : { rateLimitRpm: rpm }),
    });
    if (provider.status !== 201) throw new Error(`provider ${name}: ${provider.status} ${provider.text}`);
    const providerId = provider.body.id as string;
    const model = await this.admin.post(`/v1/providers/${providerId}/models`, { name: MODEL, upstreamModel: 'gpt-mock', inputUsdPerMTok: 0, outputUsdPerMTok: OUTPUT_USD_PER_MTOK });
    if (model.status !== 201) throw new Error(`model ${name}: ${model.status} ${model.text}`);
    const agent = await this.admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId, delivery: 'proxy' });
    if (agent.status !== 201) throw new Error(`agent ${name}: ${agent.status} ${agent.text}`);
    const key = await this.admin.post<Json>('/v1/keys', { name: `${name}-key`, role: 'agent', agentId: agent.body.id });
    if (key.status !== 201) throw new Error(`key ${name}: ${key.status} ${key.text}`);
    return { name, providerId, agentId: agent.body.id as string, key: key.body.key as string, upstreamKey, budgetCalls, limitUsd, rpm };
  }

  /** Completions that reached the upstream through `route` (discovery calls excluded). */
  upstreamCalls(route: Route): MockCall[] {
    return this.mock.calls().filter((c) => c.endpoint === 'chat_completions' && c.headers.authorization === `Bearer ${route.upstreamKey}`);
  }

  async stop(): Promise<void> {
    await this.db.end().catch(() => undefined);
    await this.stack.stop().catch(() => undefined);
    await this.mock.stop().catch(() => undefined);
    await this.cluster.stop();
  }
}
