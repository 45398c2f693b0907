import { createHash, randomBytes } from 'node:crypto';
import { newId, ProvidersOps, type Actor, type QuotaLimits, type Result } from '@switchboard/contracts';
import { natsConfigFromEnv } from '@switchboard/messaging';
import { startServiceStack, type ServiceStack } from '@switchboard/service-runtime/testing';
import type { RunningProvidersService } from '../src/providers-service.bootstrap.js';

export interface TestStack extends ServiceStack {
  readonly services: readonly RunningProvidersService[];
}

/**
 * `instances` copies of the service, as main() starts it, in one queue group on a fresh database and namespace;
 * `quotas` stands for the deployment's SWITCHBOARD_QUOTA_* (DEFAULT_QUOTAS when left out).
 */
export function startTestStack(instances = 1, options: { readonly quotas?: QuotaLimits } = {}): Promise<TestStack> {
  return startServiceStack('providers-service', async ({ databaseUrl, logger, identities }) => {
    // Imported only now, with the namespace set: controllers read it when their decorators run.
    const { startProvidersService } = await import('../src/providers-service.bootstrap.js');
    const services: RunningProvidersService[] = [];
    for (let i = 0; i < instances; i++) {
      services.push(
        await startProvidersService({
          databaseUrl,
          nats: natsConfigFromEnv(`providers-service-${i}`),
          logger,
          identity: identities.identity('providers'),
          ...(options.quotas ? { quotas: options.quotas } : {}),
        }),
      );
    }
    return { services };
  });
}

export const operator: Actor = { tenantId: null, keyId: 'operator', role: 'operator', agentId: null };

export function adminOf(tenantId: string, keyId: string): Actor {
  return { tenantId, keyId, role: 'admin', agentId: null };
}

/** A key the way the gateway makes one: random, shown once; only its hash travels. */
export function newKeyHash(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}

/** Unwraps an ok reply; a failure shows its error in the assertion message. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

export const errorCode = (result: Result<unknown>): string | undefined => (result.ok ? undefined : result.error.code);

/** A tenant with its admin key, created over the bus as the gateway does. */
export async function createTenant(stack: TestStack, name: string): Promise<{ tenantId: string; admin: Actor; adminKeyHash: string }> {
  const adminKeyId = newId('key');
  const adminKeyHash = newKeyHash();
  const tenant = value(await stack.bus.send(ProvidersOps.createTenant, { actor: operator, name, adminKeyId, adminKeyHash }));
  return { tenantId: tenant.id, admin: adminOf(tenant.id, adminKeyId), adminKeyHash };
}
