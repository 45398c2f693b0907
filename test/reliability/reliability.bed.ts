import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { ApiClient, KmsEmulator, MockLlmUpstream, NatsServer, PostgresServer, Stack, type MockCall } from '@switchboard/testing';

type Json = Record<string, unknown>;

/** Output at 2 USD per million tokens, input free: a call with max_tokens = 1000 costs exactly 0.002 USD, reserved and spent. */
export const MAX_TOKENS = 1000;
export const OUTPUT_USD_PER_MTOK = 2;
export const CALL_COST_USD = (MAX_TOKENS * OUTPUT_USD_PER_MTOK) / 1_000_000;
export const MODEL = 'steady';

/** A provider with a monthly budget of exactly `budgetCalls` calls, its model, one agent and its key. */
export interface Route {
  readonly name: string;
  readonly providerId: string;
  readonly agentId: string;
  readonly key: string;
  /** The provider's upstream key: the mock's record of a call carries it, so calls are told apart by route. */
  readonly upstreamKey: string;
  readonly budgetCalls: number;
  readonly limitUsd: number;
}

export interface BedOptions {
  readonly log?: (line: string) => void;
  /** Print every service's output as it comes. */
  readonly echo?: boolean;
  /** The gateways' SWITCHBOARD_BUDGET_RESERVATION_TTL_MS (default: theirs, 30 min). */
  readonly reservationTtlMs?: number;
}

/**
 * Everything a fault scenario acts on, all on loopback and all its own: a PostgreSQL server (crashable,
 * restarted on the same port and data directory), a NATS server with JetStream on a
 * temporary directory (killable, restarted on the same port and directory), the KMS-protocol emulator, the mock
 * LLM upstream, and the four services (two gateway replicas) on a fresh database and namespace.
 */
export class ReliabilityBed {
  private constructor(
    readonly postgres: PostgresServer,
    readonly nats: NatsServer,
    readonly kms: KmsEmulator,
    readonly mock: MockLlmUpstream,
    readonly stack: Stack,
    readonly db: pg.Pool,
    readonly admin: ApiClient,
    readonly tenantId: string,
    readonly recipientId: string,
    private readonly log: (line: string) => void,
  ) {}

  static async start(options: BedOptions = {}): Promise<ReliabilityBed> {
    const log = options.log ?? (() => undefined);
    const postgres = await new PostgresServer().start();
    // The stack's database is created on this server, and every service connects to it.
    process.env['SWITCHBOARD_TEST_ADMIN_DATABASE_URL'] = postgres.url;
    const nats = await new NatsServer().start();
    const kms = await new KmsEmulator().start();
    const mock = await new MockLlmUpstream().start();
    let stack: Stack | null = null;
    try {
      log(`starting the stack (2 gateways; private PostgreSQL ${postgres.url}; private NATS ${nats.url}; KMS emulator ${kms.endpoint})`);
      stack = await Stack.start({
        replicas: { gateway: 2 },
        kms: { backend: 'aws', endpoint: kms.endpoint, keyId: kms.createKey() },
        echo: options.echo ?? false,
        env: {
          NATS_URL: nats.url,
          SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
          ...(options.reservationTtlMs === undefined ? {} : { SWITCHBOARD_BUDGET_RESERVATION_TTL_MS: String(options.reservationTtlMs) }),
        },
      });
      const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 3, application_name: 'reliability-observer' });
      db.on('error', () => undefined);
      const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'reliability' });
      if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${tenant.text}`);
      const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
      const recipient = await admin.post<Json>('/v1/recipients', { name: 'orchestrator', publicKey: generateRecipientKeyPair().publicKey });
      if (recipient.status !== 201) throw new Error(`recipient: ${recipient.status} ${recipient.text}`);
      return new ReliabilityBed(postgres, nats, kms, mock, stack, db, admin, tenant.body.id as string, recipient.body.id as string, log);
    } catch (error) {
      await stack?.stop();
      await mock.stop();
      await kms.stop();
      await nats.stop();
      await postgres.stop();
      throw error;
    }
  }

  /** A fresh provider (budget of `budgetCalls` calls), model, agent and key; `direct` agents get the upstream key sealed at start. */
  async route(name: string, budgetCalls: number, delivery: 'proxy' | 'direct' = 'proxy'): Promise<Route> {
    const upstreamKey = `sk-${name}-${Math.random().toString(36).slice(2, 12)}`;
    const limitUsd = budgetCalls * CALL_COST_USD;
    const providerId = await this.registerProvider({ name, type: 'custom', endpoint: `${this.mock.baseUrl}/v1`, apiKey: upstreamKey, monthlyBudgetUsd: limitUsd });
    const model = await this.admin.post(`/v1/providers/${providerId}/models`, { name: MODEL, upstreamModel: 'gpt-mock', inputUsdPerMTok: 0, outputUsdPerMTok: OUTPUT_USD_PER_MTOK });
    if (model.status !== 201) throw new Error(`model ${name}: ${model.status} ${model.text}`);
    const agent = await this.admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId, delivery });
    if (agent.status !== 201) throw new Error(`agent ${name}: ${agent.status} ${agent.text}`);
    const key = await this.admin.post<Json>('/v1/keys', { name: `${name}-key`, role: 'agent', agentId: agent.body.id });
    if (key.status !== 201) throw new Error(`key ${name}: ${key.status} ${key.text}`);
    return { name, providerId, agentId: agent.body.id as string, key: key.body.key as string, upstreamKey, budgetCalls, limitUsd };
  }

  /**
   * Setting up the next scenario right after a service restart: a replica just started may answer its first command
   * after the gateway's 5 s bus timeout (503 `unavailable`) and still register the provider, so look for it by name
   * before asking again.
   */
  private async registerProvider(body: Json): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const provider = await this.admin.post<Json>('/v1/providers', body);
      if (provider.status === 201) return provider.body.id as string;
      if (provider.status !== 503 || attempt === 3) throw new Error(`provider ${String(body['name'])}: ${provider.status} ${provider.text}`);
      this.log(`provider ${String(body['name'])}: 503 on attempt ${attempt}, looking it up`);
      await sleep(2_000);
      const listed = await this.admin.get<{ data: Json[] }>('/v1/providers?limit=100');
      const found = listed.body.data?.find((p) => p['name'] === body['name']);
      if (found !== undefined) return found['id'] as string;
    }
  }

  /** Completions that reached the upstream through `route` (discovery calls excluded). */
  upstreamCalls(route: Route): MockCall[] {
    return this.mock.calls().filter((c) => c.endpoint === 'chat_completions' && c.headers.authorization === `Bearer ${route.upstreamKey}`);
  }

  async stop(): Promise<void> {
    this.log('stopping the stack');
    await this.db.end().catch(() => undefined);
    await this.stack.stop();
    await this.mock.stop();
    await this.kms.stop();
    await this.nats.stop();
    await this.postgres.stop();
  }
}
