import { CredentialsOps, appError, fail, ok, type AppError, type Result, type SecretKind } from '@switchboard/contracts';
import type { BusClient } from '@switchboard/messaging';
import type { UpstreamCredential } from '@switchboard/llm-protocols';
import { generateRecipientKeyPair, openFromTransport, type RecipientKeyPair } from '@switchboard/sealing';
import { z } from 'zod';

/**
 * A provider credential as the gateway holds it. Callers keep the object they started with, so a rotation
 * in the middle of a call does not change the key that call uses.
 */
export interface GatewayCredential {
  readonly tenantId: string;
  readonly secretId: string;
  readonly version: number;
  readonly kind: SecretKind;
  readonly upstream: UpstreamCredential;
}

/** What credentials-service seals: an API key's string, or a headers secret's object (as on reveal). */
const SealedPayload = z.object({ value: z.union([z.string().min(1), z.record(z.string(), z.string())]) });

const FETCH_TIMEOUT_MS = 2_000;

/**
 * The gateway as a recipient of sealed credentials: one X25519 key pair made at start, in memory only; each
 * credential comes sealed to it (purpose gateway.credential, subject = secret id) and is kept in memory until a
 * secret.rotated or secret.deleted event drops it. Values never reach a log, a span or an error message.
 */
export class GatewayCredentialCache {
  private readonly keyPair: RecipientKeyPair = generateRecipientKeyPair();
  private readonly credentials = new Map<string, GatewayCredential>();
  private readonly inFlight = new Map<string, Promise<Result<GatewayCredential, AppError>>>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly bus: BusClient) {}

  peek(tenantId: string, secretId: string): GatewayCredential | undefined {
    const cached = this.credentials.get(secretId);
    return cached !== undefined && cached.tenantId === tenantId ? cached : undefined;
  }

  get(tenantId: string, secretId: string): Promise<Result<GatewayCredential, AppError>> {
    const cached = this.peek(tenantId, secretId);
    if (cached !== undefined) return Promise.resolve(ok(cached));
    const key = `${tenantId}/${secretId}`;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.fetch(tenantId, secretId).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  drop(secretId: string): void {
    this.generations.set(secretId, (this.generations.get(secretId) ?? 0) + 1);
    this.credentials.delete(secretId);
  }

  clear(): void {
    for (const secretId of [...this.credentials.keys()]) this.drop(secretId);
  }

  private async fetch(tenantId: string, secretId: string): Promise<Result<GatewayCredential, AppError>> {
    const generation = this.generations.get(secretId) ?? 0;
    const reply = await this.bus.send(
      CredentialsOps.gatewayCredential,
      { tenantId, secretId, replyKey: this.keyPair.publicKey },
      { timeoutMs: FETCH_TIMEOUT_MS },
    );
    if (!reply.ok) return reply;
    const opened = openFromTransport(reply.value.sealedValue, this.keyPair.privateKey, { purpose: 'gateway.credential', tenantId, subject: secretId });
    if (!opened.ok) return fail(appError('internal', 'the provider credential could not be opened'));
    let payload: z.infer<typeof SealedPayload>;
    try {
      const parsed = SealedPayload.safeParse(JSON.parse(opened.value.toString('utf8')));
      if (!parsed.success) return fail(appError('internal', 'the provider credential is malformed'));
      payload = parsed.data;
    } catch {
      return fail(appError('internal', 'the provider credential is malformed'));
    } finally {
      opened.value.fill(0);
    }
    const credential: GatewayCredential = {
      tenantId,
      secretId,
      version: reply.value.version,
      kind: reply.value.kind,
      upstream: typeof payload.value === 'string' ? { apiKey: payload.value } : { headers: payload.value },
    };
    if (generation === (this.generations.get(secretId) ?? 0)) this.credentials.set(secretId, credential);
    return ok(credential);
  }
}
