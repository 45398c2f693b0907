import { Injectable } from '@nestjs/common';
import {
  CredentialsOps,
  appError,
  fail,
  ok,
  type TenantActor,
  type Result,
  type SealedBox,
  type SecretKind,
  type SecretView,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { generateRecipientKeyPair, openFromTransport, sealForTransport, type TransportContext } from '@switchboard/sealing';
import { z } from 'zod';
import { TransportKeyCache } from './transport-key.cache.js';

/** A revealed value as credentials-service seals it: the string of an API key, or a headers secret's object. */
const RevealedValue = z.object({ value: z.union([z.string(), z.record(z.string(), z.string())]) });
export type RevealedValue = z.infer<typeof RevealedValue>;

/**
 * The one place secret values pass through the gateway: sealed to credentials-service's transport key before
 * they go on the bus, opened from a one-time key on reveal. A value is never logged, put on a span or echoed
 * in an error (see {@link withoutValue}).
 */
@Injectable()
export class SecretValues {
  constructor(
    private readonly bus: BusClient,
    private readonly transportKey: TransportKeyCache,
  ) {}

  async create(actor: TenantActor, secret: { name: string; kind: SecretKind; value: string }): Promise<Result<SecretView>> {
    const context: TransportContext = { purpose: 'secret.create', tenantId: actor.tenantId, subject: secret.name };
    const result = await this.sendSealed(secret.value, context, (sealedValue) =>
      this.bus.send(CredentialsOps.createSecret, { actor, name: secret.name, kind: secret.kind, sealedValue }),
    );
    return withoutValue(result, ...sensitiveParts(secret.kind, secret.value));
  }

  async rotate(actor: TenantActor, id: string, expectedVersion: number | undefined, value: string): Promise<Result<SecretView>> {
    const context: TransportContext = { purpose: 'secret.rotate', tenantId: actor.tenantId, subject: id };
    const result = await this.sendSealed(value, context, (sealedValue) =>
      this.bus.send(CredentialsOps.rotateSecret, { actor, id, expectedVersion, sealedValue }),
    );
    return withoutValue(result, value);
  }

  /** The reply is sealed to a key pair made for this call alone, so the value is on the bus only as ciphertext. */
  async reveal(actor: TenantActor, id: string): Promise<Result<RevealedValue>> {
    const replyKey = generateRecipientKeyPair();
    const reply = await this.bus.send(CredentialsOps.revealSecret, { actor, id, replyKey: replyKey.publicKey });
    if (!reply.ok) return reply;
    const context: TransportContext = { purpose: 'secret.reveal', tenantId: actor.tenantId, subject: id };
    const opened = openFromTransport(reply.value.sealedValue, replyKey.privateKey, context);
    if (!opened.ok) return fail(appError('internal', 'the revealed value could not be opened'));
    try {
      const parsed = RevealedValue.safeParse(JSON.parse(opened.value.toString('utf8')));
      return parsed.success ? ok({ value: parsed.data.value }) : fail(appError('internal', 'the revealed value is malformed'));
    } catch {
      return fail(appError('internal', 'the revealed value is malformed'));
    } finally {
      opened.value.fill(0);
    }
  }

  /**
   * credentials-service answers validation_failed when a blob does not open, e.g. after it restarted with a
   * new transport key. Then the key is fetched again and, only if it really changed, the value is sealed to
   * the new key and sent once more; any other refusal is final.
   */
  private async sendSealed<T>(value: string, context: TransportContext, send: (sealed: SealedBox) => Promise<Result<T>>): Promise<Result<T>> {
    const key = await this.transportKey.current();
    if (!key.ok) return key;
    // The blob holds {value}: what credentials-service parses for both kinds (headers as their JSON string).
    const first = await send(sealForTransport({ value }, key.value, context));
    if (first.ok || first.error.code !== 'validation_failed') return first;
    const fresh = await this.transportKey.refresh(key.value);
    // A key that cannot be fetched, or is not credentials-service's, is that answer (503, 500), not the 400.
    if (!fresh.ok) return fresh;
    if (fresh.value === key.value) return first;
    return send(sealForTransport({ value }, fresh.value, context));
  }
}

/**
 * A refusal that quotes the submitted value would hand it to whoever reads the response or the logs; such
 * a message is replaced. Values shorter than 4 characters would match nearly any message and are no secret.
 */
export function withoutValue<T>(result: Result<T>, ...values: readonly string[]): Result<T> {
  if (result.ok) return result;
  const { message } = result.error;
  if (!values.some((value) => value.length >= 4 && message.includes(value))) return result;
  return fail(appError(result.error.code, 'the submitted value was refused', result.error.details));
}

/** A headers secret is a JSON object: each header value is secret on its own, not only the whole document. */
function sensitiveParts(kind: SecretKind, value: string): string[] {
  if (kind !== 'headers') return [value];
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? [value, ...Object.values(parsed).map(String)] : [value];
  } catch {
    return [value];
  }
}
