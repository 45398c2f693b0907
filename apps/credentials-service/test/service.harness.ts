import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import { CredentialsOps, type Actor, type QuotaLimits, type Result } from '@switchboard/contracts';
import { LocalKms, type KmsPort } from '@switchboard/kms';
import { BusClient, ServiceIdentityModule, natsConfigFromEnv, natsMicroserviceOptions } from '@switchboard/messaging';
import { startServiceStack, type ServiceStack } from '@switchboard/service-runtime/testing';
import type { RunningCredentialsService } from '../src/credentials-service.bootstrap.js';
import { DEFAULT_PUBLIC_URL, type CredentialsSettings } from '../src/shared/credentials.settings.js';
import type { FakeProvidersState } from './fake-providers.controller.js';

export interface TestStackOptions {
  /** Default: the local backend in a fresh temporary directory (removed on stop). */
  readonly kms?: KmsPort;
  readonly settings?: Partial<CredentialsSettings>;
  /** The deployment's SWITCHBOARD_QUOTA_* (DEFAULT_QUOTAS when left out). */
  readonly quotas?: QuotaLimits;
  /** Wait until the service keys are loaded (default true). */
  readonly waitForKeys?: boolean;
}

export interface TestStack extends ServiceStack {
  readonly kms: KmsPort;
  /** The local KMS key directory the harness made (null when the spec brought its own KMS). */
  readonly kmsDir: string | null;
  readonly service: RunningCredentialsService;
  /** What the fake providers-service answers and what it was asked. */
  readonly providers: FakeProvidersState;
  /** Every message on `events.<tenantId>.<busType>`, oldest first. */
  events(tenantId: string, busType: string): Promise<Record<string, unknown>[]>;
  /** Resolves once the issuer durable has no message pending or unacknowledged. */
  issuerIdle(timeoutMs?: number): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The service as main() starts it on a fresh database and namespace, with a fake providers-service
 * answering over NATS.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const stack = await startServiceStack('credentials-service', async ({ databaseUrl, logger, identities, onStop }) => {
    const kmsDir = options.kms ? null : mkdtempSync(join(tmpdir(), 'sb-kms-spec-'));
    const kms = options.kms ?? LocalKms.open({ dir: kmsDir ?? '' });

    // Imported only now, with the namespace set: controllers read it when their decorators run.
    const { startCredentialsService } = await import('../src/credentials-service.bootstrap.js');
    const { FakeProvidersModule, FakeProvidersState } = await import('./fake-providers.controller.js');
    const providers = new FakeProvidersState();
    const fake: INestMicroservice = await NestFactory.createMicroservice(ServiceIdentityModule.around(FakeProvidersModule.forRoot(providers), identities.identity('providers')), {
      ...natsMicroserviceOptions(natsConfigFromEnv('fake-providers'), 'providers-service', { gracePeriodMs: 10 }),
      logger: false,
    });
    await fake.listen();
    onStop(() => fake.close());

    const service = await startCredentialsService({
      databaseUrl,
      nats: natsConfigFromEnv('credentials-service-0'),
      logger,
      identity: identities.identity('credentials'),
      kms,
      settings: { publicUrl: DEFAULT_PUBLIC_URL, credentialTtlSeconds: 3600, ...options.settings },
      serviceKeys: { backoffBaseMs: 50, backoffMaxMs: 200 },
      issuer: { retryDelayMs: 100 },
      ...(options.quotas ? { quotas: options.quotas } : {}),
    });
    if (options.waitForKeys !== false) await service.serviceKeys.loaded();
    const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // Dropping the test database (WITH FORCE) terminates a client that is still closing; without a
    // listener the pool re-emits that as an unhandled error in whichever spec runs next in this worker.
    sql.on('error', () => undefined);
    onStop(() => sql.end());
    onStop(() => {
      if (kmsDir === null) return;
      kms.close();
      rmSync(kmsDir, { recursive: true, force: true });
    });
    const query = async <T>(text: string, params: unknown[] = []) => (await sql.query(text, params)).rows as T[];
    return { services: [service], service, kms, kmsDir, providers, query };
  });
  const { nc, jsm, names } = stack;

  return {
    ...stack,
    async events(tenantId, busType) {
      // An ephemeral ordered consumer over one subject: reads what is there now, then stops.
      const consumer = await jetstream(nc).consumers.get(names.eventsStream, {
        filter_subjects: names.event(tenantId, busType),
        deliver_policy: DeliverPolicy.All,
      });
      const out: Record<string, unknown>[] = [];
      if ((await consumer.info()).num_pending === 0) return out;
      const messages = await consumer.consume();
      for await (const message of messages) {
        out.push(message.json<Record<string, unknown>>());
        if (message.info.pending === 0) break;
      }
      await messages.close();
      return out;
    },
    async issuerIdle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const info = await jsm.consumers.info(names.eventsStream, names.durable('credentials-issuer'));
        if (info.num_pending === 0 && info.num_ack_pending === 0) return;
        if (Date.now() > deadline) throw new Error(`issuer still busy: ${info.num_pending} pending, ${info.num_ack_pending} unacknowledged`);
        await sleep(50);
      }
    },
  };
}

export function adminOf(tenantId: string, keyId = `key_admin_${tenantId}`): Actor {
  return { tenantId, keyId, role: 'admin', agentId: null };
}

export function memberOf(tenantId: string): Actor {
  return { tenantId, keyId: `key_member_${tenantId}`, role: 'member', agentId: null };
}

/** A tenant id of its own per scenario, so `lastEvent` and stream reads see only that scenario. */
export function newTenantId(): string {
  return `ten_${randomBytes(10).toString('hex')}`;
}

/** Unwraps an ok reply; a failure shows its error in the assertion message. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

export function errorCode(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

/** The gateway's part of a secret write: fetch the transport key. */
export async function transportKeyOf(bus: BusClient): Promise<string> {
  return value(await bus.send(CredentialsOps.transportKey, {})).publicKey;
}
