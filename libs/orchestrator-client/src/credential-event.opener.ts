import type { KeyObject } from 'node:crypto';
import {
  BUS_EVENT_TYPES,
  CredentialDeniedFields,
  CredentialIssuedFields,
  CredentialPlaintext,
  CredentialSignature,
  credentialIssuedStatement,
  fail,
  ok,
  type Delivery,
  type Result,
} from '@switchboard/contracts';
import { openCredential } from '@switchboard/sealing';
import { parsePublicKey, verifyText } from '@switchboard/service-identity';
import { z } from 'zod';
import { agentEnvironment } from './agent-environment.mapper.js';
import { ReplayGuard } from './replay.guard.js';

const Envelope = { eventId: z.string().min(1), tenantId: z.string().min(1), at: z.string() };
// The signature is checked apart, so that an unsigned event is refused as such rather than as malformed.
const IssuedEvent = CredentialIssuedFields.extend({
  ...Envelope,
  type: z.literal(BUS_EVENT_TYPES.CredentialIssued),
  signature: CredentialSignature.optional(),
});
// Any reason string is accepted: a reason added to the contract later must not make denials unreadable here.
const DeniedEvent = CredentialDeniedFields.extend({ ...Envelope, type: z.literal(BUS_EVENT_TYPES.CredentialDenied), reason: z.string() });

/** A credential sealed to this recipient, opened. `credential` and `environment` hold the secret: never log them. */
export interface IssuedCredential {
  readonly eventId: string;
  readonly agentId: string;
  readonly startId: string;
  readonly delivery: Delivery;
  readonly provider: CredentialIssuedFields['provider'];
  readonly credential: CredentialPlaintext;
  /** The variables the agent's container gets (see agentEnvironment). */
  readonly environment: Record<string, string>;
  /** The earlier of the event's and the sealed payload's expiry. */
  readonly expiresAt: string;
}

export interface DeniedCredential {
  readonly eventId: string;
  readonly agentId: string;
  readonly startId: string;
  /** One of DENIAL_REASONS (contracts) or a reason added since. */
  readonly reason: string;
}

export type RefusalReason =
  | 'malformed'
  | 'other_tenant'
  | 'other_recipient'
  | 'unsigned'
  | 'unknown_issuer_key'
  | 'bad_signature'
  | 'replay'
  | 'expired'
  | 'unopenable';

/** A key credential.issued may be signed with, as GET /v1/credential-issuer lists them. */
export interface IssuerKey {
  readonly keyId: string;
  /** base64 (standard, padded) of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
}

/** Why an event was not handed to the handler; ids only, never anything from inside the seal. */
export interface Refusal {
  readonly reason: RefusalReason;
  readonly eventId: string | null;
  readonly startId: string | null;
}

export interface OpenerOptions {
  readonly tenantId: string;
  readonly recipientId: string;
  /** base64 (standard, padded) of the raw 32-byte X25519 private key. */
  readonly privateKey: string;
  /**
   * The issuer keys this orchestrator pins (from GET /v1/credential-issuer, fetched once and kept, or given
   * by the operator). A credential signed by any other key, or not signed, is refused.
   */
  readonly issuerKeys: readonly IssuerKey[];
  readonly now?: () => Date;
  /** How many event and start ids are remembered against replays. Default 10 000. */
  readonly rememberedIds?: number;
}

const refuse = (reason: RefusalReason, event: { eventId?: unknown; startId?: unknown } | null) =>
  fail<Refusal>({
    reason,
    eventId: typeof event?.eventId === 'string' ? event.eventId : null,
    startId: typeof event?.startId === 'string' ? event.startId : null,
  });

/** Checks cheapest first, so a flood of foreign or replayed events costs no key agreement. */
export class CredentialEventOpener {
  private readonly now: () => Date;
  private readonly replays: ReplayGuard;
  private readonly issuerKeys: ReadonlyMap<string, KeyObject>;

  constructor(private readonly options: OpenerOptions) {
    const raw = Buffer.from(options.privateKey, 'base64');
    if (raw.length !== 32 || raw.toString('base64') !== options.privateKey) {
      throw new Error('privateKey must be standard padded base64 of a raw 32-byte X25519 key');
    }
    raw.fill(0);
    if (options.issuerKeys.length === 0) throw new Error('issuerKeys must pin at least one credential issuer key');
    this.issuerKeys = new Map(
      options.issuerKeys.map(({ keyId, publicKey }) => {
        const key = parsePublicKey(publicKey);
        if (key === null) throw new Error(`issuer key ${keyId} is not base64 of a raw 32-byte Ed25519 public key`);
        return [keyId, key];
      }),
    );
    this.now = options.now ?? (() => new Date());
    this.replays = new ReplayGuard(options.rememberedIds);
  }

  openIssued(data: unknown): Result<IssuedCredential, Refusal> {
    const parsed = IssuedEvent.safeParse(data);
    if (!parsed.success) return refuse('malformed', isRecord(data) ? data : null);
    const event = parsed.data;
    if (event.tenantId !== this.options.tenantId) return refuse('other_tenant', event);
    if (event.recipientId !== this.options.recipientId) return refuse('other_recipient', event);
    // Sealing needs only the recipient's public key, so without this anyone could hand the agent a credential.
    const { signature } = event;
    if (signature === undefined) return refuse('unsigned', event);
    const issuerKey = this.issuerKeys.get(signature.keyId);
    if (issuerKey === undefined) return refuse('unknown_issuer_key', event);
    const statement = credentialIssuedStatement(event);
    if (statement === null || !verifyText(issuerKey, statement, signature.sig)) return refuse('bad_signature', event);
    if (this.isReplay(event)) return refuse('replay', event);
    const eventExpiry = Date.parse(event.expiresAt);
    if (Number.isNaN(eventExpiry)) return refuse('malformed', event);
    if (eventExpiry <= this.now().getTime()) return refuse('expired', event);

    const { tenantId, agentId, startId, recipientId } = event;
    const opened = openCredential(event.sealed, this.options.privateKey, { tenantId, agentId, startId, recipientId });
    if (!opened.ok) return refuse('unopenable', event);
    let credential: CredentialPlaintext;
    try {
      const plaintext = CredentialPlaintext.safeParse(JSON.parse(opened.value.toString('utf8')));
      if (!plaintext.success) return refuse('unopenable', event);
      credential = plaintext.data;
    } catch {
      return refuse('unopenable', event);
    } finally {
      opened.value.fill(0);
    }
    // The sealed expiry is authenticated, the event's is not: the earlier one wins.
    const sealedExpiry = Date.parse(credential.expiresAt);
    const expiresAt = Number.isNaN(sealedExpiry) ? eventExpiry : Math.min(sealedExpiry, eventExpiry);
    if (Number.isNaN(sealedExpiry) || expiresAt <= this.now().getTime()) return refuse('expired', event);

    const environment = agentEnvironment({ agentId, delivery: event.delivery, provider: event.provider, credential });
    return ok({
      eventId: event.eventId,
      agentId,
      startId,
      delivery: event.delivery,
      provider: event.provider,
      credential,
      environment,
      expiresAt: new Date(expiresAt).toISOString(),
    });
  }

  /**
   * Denials carry no recipient (API.md): every denial of the tenant's starts arrives here, and the
   * orchestrator matches the startId against the starts it asked for.
   */
  openDenied(data: unknown): Result<DeniedCredential, Refusal> {
    const parsed = DeniedEvent.safeParse(data);
    if (!parsed.success) return refuse('malformed', isRecord(data) ? data : null);
    const { eventId, agentId, startId, reason, tenantId } = parsed.data;
    if (tenantId !== this.options.tenantId) return refuse('other_tenant', parsed.data);
    if (this.isReplay(parsed.data)) return refuse('replay', parsed.data);
    return ok({ eventId, agentId, startId, reason });
  }

  /**
   * Called once the handler is done with an event: from then on its event id and its start id are replays.
   * Not earlier, so an event whose handler failed is handled again when it is redelivered.
   */
  handled(outcome: { readonly eventId: string; readonly startId: string }): void {
    this.replays.remember(...replayIds(outcome));
  }

  /** One outcome per start: a second credential.issued or a denial for a start already handled is a replay too. */
  private isReplay(event: { readonly eventId: string; readonly startId: string }): boolean {
    return this.replays.seen(...replayIds(event));
  }
}

const replayIds = (event: { readonly eventId: string; readonly startId: string }) => [`event:${event.eventId}`, `start:${event.startId}`];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
