import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;
export const UPSTREAM_KEY = 'sk-upstream-fuzz-0123456789';

/** Base64 of a fresh raw 32-byte X25519 public key (what POST /v1/recipients takes). */
export function x25519PublicKey(): string {
  const der = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

/** One tenant with one of everything: a provider on the mock upstream, a model, an agent, a secret, keys, a recipient and a webhook. */
export interface SeededTenant {
  readonly id: string;
  readonly admin: ApiClient;
  readonly member: ApiClient;
  readonly agent: ApiClient;
  readonly adminKey: string;
  readonly agentKey: string;
  readonly providerId: string;
  readonly modelId: string;
  readonly agentId: string;
  readonly secretId: string;
  readonly keyId: string;
  readonly recipientId: string;
  /** Subscribed to budget.restored only, which no fuzzed request can cause: nothing is ever delivered to it. */
  readonly webhookId: string;
  /** The versions GET answers in its ETag, by resource path (`/v1/providers/<id>`, `/v1/settings`, …). */
  readonly versions: Readonly<Record<string, number>>;
}

function must<T extends Json>(res: { status: number; body: T; text: string }, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text}`);
  return res.body;
}

export async function seedTenant(stack: Stack, mock: MockLlmUpstream, name: string): Promise<SeededTenant> {
  const operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
  const tenant = must(await operator.post<Json>('/v1/tenants', { name }), 201, 'tenant');
  const admin = new ApiClient(stack.gatewayUrl, tenant.adminKey as string);
  const secret = must(await admin.post<Json>('/v1/secrets', { name: `${name}-upstream`, value: UPSTREAM_KEY }), 201, 'secret');
  const provider = must(
    await admin.post<Json>('/v1/providers', { name: `${name}-mock`, type: 'custom', endpoint: `${mock.baseUrl}/v1`, secretId: secret.id }),
    201,
    'provider',
  );
  const providerId = provider.id as string;
  const model = must(await admin.post<Json>(`/v1/providers/${providerId}/models`, { name: 'fast', upstreamModel: 'gpt-mock' }), 201, 'model');
  const agent = must(await admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId, model: 'fast' }), 201, 'agent');
  const agentId = agent.id as string;
  const member = must(await admin.post<Json>('/v1/keys', { name: 'reader', role: 'member' }), 201, 'member key');
  const agentKey = must(await admin.post<Json>('/v1/keys', { name: 'bot', role: 'agent', agentId }), 201, 'agent key');
  const recipient = must(await admin.post<Json>('/v1/recipients', { name: `${name}-orchestrator`, publicKey: x25519PublicKey() }), 201, 'recipient');
  const webhook = must(await admin.post<Json>('/v1/webhooks', { url: `${mock.baseUrl}/hooks/${name}`, events: ['budget.restored'] }), 201, 'webhook');
  const versions: Record<string, number> = {};
  for (const path of [`/v1/providers/${providerId}`, `/v1/agents/${agentId}`, `/v1/secrets/${secret.id}`, '/v1/settings', '/v1/alerts/settings']) {
    const res = await admin.get(path);
    const tag = /^"(\d+)"$/.exec(res.headers.get('etag') ?? '');
    if (res.status !== 200 || !tag) throw new Error(`GET ${path}: ${res.status} etag ${res.headers.get('etag')}`);
    versions[path] = Number(tag[1]);
  }
  return {
    id: tenant.id as string,
    admin,
    member: new ApiClient(stack.gatewayUrl, member.key as string),
    agent: new ApiClient(stack.gatewayUrl, agentKey.key as string),
    adminKey: tenant.adminKey as string,
    agentKey: agentKey.key as string,
    providerId,
    modelId: model.id as string,
    agentId,
    secretId: secret.id as string,
    keyId: member.id as string,
    recipientId: recipient.id as string,
    webhookId: webhook.id as string,
    versions,
  };
}

/**
 * What "nothing was written" is measured with: the row count of every table the services own (event stores and
 * read models; outboxes and checkpoints excluded, they move on their own), the number of messages on the EVENTS
 * stream and the number of calls the mock upstream received.
 */
export class WriteProbe {
  private constructor(
    private readonly db: pg.Client,
    private readonly countSql: string,
    private readonly stack: Stack,
    private readonly mock: MockLlmUpstream,
  ) {}

  static async open(stack: Stack, mock: MockLlmUpstream): Promise<WriteProbe> {
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
          AND table_name NOT IN ('outbox', 'projection_checkpoints', 'schema_migrations')
        ORDER BY 1, 2`,
    );
    if (!rows.some((r) => r.name === 'events')) throw new Error('no events table found in the stack database');
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const countSql = `SELECT ${rows.map((r) => `(SELECT count(*) FROM ${q(r.schema)}.${q(r.name)})::int AS ${q(`${r.schema}.${r.name}`)}`).join(', ')}`;
    return new WriteProbe(db, countSql, stack, mock);
  }

  /** Row counts by `schema.table`, plus `upstream.calls`: cheap enough to take around every request. */
  async rows(): Promise<Record<string, number>> {
    const { rows } = await this.db.query<Record<string, number>>(this.countSql);
    return { ...rows[0], 'upstream.calls': this.mock.calls().length };
  }

  /** Everything, the EVENTS stream included. */
  async full(): Promise<Record<string, number>> {
    const [rows, events] = await Promise.all([this.rows(), readStreamMessages(this.stack.names)]);
    return { ...rows, 'stream.events': events.length };
  }

  /** Waits until nothing moves any more (model discovery after a key is saved runs in the background). */
  async settle(timeoutMs = 15_000): Promise<Record<string, number>> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.full();
    for (;;) {
      await new Promise((r) => setTimeout(r, 400));
      const now = await this.full();
      if (changes(last, now).length === 0) return now;
      if (Date.now() > deadline) throw new Error(`the stack kept writing: ${changes(last, now).join(', ')}`);
      last = now;
    }
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

/** The entries whose count changed, as `name: before → after`. */
export function changes(before: Record<string, number>, after: Record<string, number>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).map((n) => `${n}: ${before[n]} → ${after[n]}`);
}

export interface FuzzStack {
  readonly stack: Stack;
  readonly mock: MockLlmUpstream;
  readonly operator: ApiClient;
  readonly anonymous: ApiClient;
  readonly a: SeededTenant;
  readonly b: SeededTenant;
  readonly probe: WriteProbe;
  /** Every service process still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startFuzzStack(): Promise<FuzzStack> {
  const mock = await new MockLlmUpstream().start();
  mock.configure({ requiredKey: UPSTREAM_KEY });
  const stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
  try {
    const a = await seedTenant(stack, mock, 'tenant-a');
    const b = await seedTenant(stack, mock, 'tenant-b');
    const probe = await WriteProbe.open(stack, mock);
    await probe.settle();
    return {
      stack,
      mock,
      operator: new ApiClient(stack.gatewayUrl, stack.operatorKey),
      anonymous: new ApiClient(stack.gatewayUrl),
      a,
      b,
      probe,
      alive: () => stack.services.every((s) => s.child.exitCode === null && s.child.signalCode === null),
      stop: async () => {
        await probe.close();
        await stack.stop();
        await deleteEventsStream(stack.names);
        await mock.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    await deleteEventsStream(stack.names);
    await mock.stop();
    throw error;
  }
}
