import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { jetstream } from '@nats-io/jetstream';
import { newId, type Actor, type Result, type UsageRecorded } from '@switchboard/contracts';
import { natsConfigFromEnv, publishEvent } from '@switchboard/messaging';
import { startServiceStack, type ServiceStack } from '@switchboard/service-runtime/testing';
import type { RunningUsageService, UsageServiceOptions } from '../src/usage-service.bootstrap.js';
import { PROJECTOR_DURABLE } from '../src/projection/usage-projector.consumer.js';

export interface TestStack extends ServiceStack {
  readonly service: RunningUsageService;
  /** Starts another instance (a replica, or a restart after its close) on the same database and namespace. */
  startInstance(name: string): Promise<RunningUsageService>;
  /** Publishes as the gateway does: subject events.<tenantId>.usage.recorded, Nats-Msg-Id = msgId (default: requestId). */
  publishUsage(tenantId: string, call: UsageRecorded, options?: { at?: string; msgId?: string }): Promise<{ duplicate: boolean }>;
  /** Publishes any payload on a tenant's usage.recorded subject (malformed messages). */
  publishRaw(subject: string, payload: string, msgId: string): Promise<void>;
  /** Resolves once the projector durable has no message pending or unacknowledged. */
  projectorIdle(timeoutMs?: number): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The service as main() starts it, on a fresh database and namespace. */
export async function startTestStack(options: Partial<Pick<UsageServiceOptions, 'clock' | 'alerts'>> = {}): Promise<TestStack> {
  let boot: ((name: string) => Promise<RunningUsageService>) | null = null;
  const stack = await startServiceStack('usage-service', async ({ databaseUrl, logger, identities, onStop }) => {
    // Imported only now, with the namespace set: controllers read it when their decorators run.
    const { startUsageService } = await import('../src/usage-service.bootstrap.js');
    const extra: RunningUsageService[] = [];
    boot = async (name) => {
      const instance = await startUsageService({
        databaseUrl,
        nats: natsConfigFromEnv(name),
        logger,
        identity: identities.identity('usage'),
        // A short ack wait: calls buffered by a stopped instance come back within the spec's patience.
        projector: { retryDelayMs: 100, stopGraceMs: 2_000, ackWaitMs: 2_000 },
        ...options,
      });
      extra.push(instance);
      return instance;
    };
    const service = await boot('usage-service-0');
    onStop(async () => {
      for (const instance of extra) await instance.close();
    });
    const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // Dropping the test database (WITH FORCE) terminates a client that is still closing; without a
    // listener the pool re-emits that as an unhandled error in whichever spec runs next in this worker.
    sql.on('error', () => undefined);
    onStop(() => sql.end());
    const query = async <T>(text: string, params: unknown[] = []) => (await sql.query(text, params)).rows as T[];
    return { services: [service], service, query };
  });
  const { nc, jsm, names } = stack;
  const js = jetstream(nc);

  return {
    ...stack,
    startInstance: (name) => {
      if (boot === null) throw new Error('stack not started');
      return boot(name);
    },
    async publishUsage(tenantId, call, { at = new Date().toISOString(), msgId = call.requestId } = {}) {
      const event = { eventId: call.requestId, type: 'usage.recorded', tenantId, at, ...call };
      const published = await publishEvent(js, names.event(tenantId, 'usage.recorded'), JSON.stringify(event), { msgId });
      return { duplicate: published.duplicate };
    },
    async publishRaw(subject, payload, msgId) {
      await publishEvent(js, subject, payload, { msgId });
    },
    async projectorIdle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const info = await jsm.consumers.info(names.eventsStream, names.durable(PROJECTOR_DURABLE));
        if (info.num_pending === 0 && info.num_ack_pending === 0) return;
        if (Date.now() > deadline) throw new Error(`projector still busy: ${info.num_pending} pending, ${info.num_ack_pending} unacknowledged`);
        await sleep(25);
      }
    },
  };
}

/** A tenant id of its own per scenario. */
export function newTenantId(): string {
  return `ten_${randomBytes(10).toString('hex')}`;
}

export function memberOf(tenantId: string): Actor {
  return { tenantId, keyId: `key_member_${tenantId}`, role: 'member', agentId: null };
}

export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** A successful, non-streaming call; override what the scenario is about. */
export function usageCall(overrides: Partial<UsageRecorded> = {}): UsageRecorded {
  return {
    requestId: newId('request'),
    agentId: 'agt_a',
    providerId: 'prv_a',
    model: 'gpt-test',
    protocol: 'openai_chat',
    stream: false,
    status: 200,
    inputTokens: 10,
    usageSource: 'upstream',
    outputTokens: 5,
    cachedTokens: 0,
    costUsd: 0.001,
    latencyMs: 100,
    ttfbMs: 40,
    ...overrides,
  };
}
