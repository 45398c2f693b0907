import { sign, verify } from 'node:crypto';
import { appError, fail, ok, type Actor, type AppError, type Operation, type Result, type ServiceName } from '@switchboard/contracts';
import { REPLY_DOMAIN, REQUEST_DOMAIN, ReplyClaims, RequestClaims, bodyHash, decodeSigned, encodeSigned, newTokenId } from './bus-token.js';
import { signText, verifyText, type SigningKey } from './ed25519.js';
import { ReplayWindow } from './replay.window.js';
import type { TrustedKeys } from './trusted-keys.js';

export type RefusalReason =
  | 'missing_token'
  | 'malformed_token'
  | 'wrong_operation'
  | 'expired'
  | 'not_yet_valid'
  | 'payload_mismatch'
  | 'caller_not_allowed'
  | 'principal_missing'
  | 'unknown_key'
  | 'bad_signature'
  | 'replayed';

const REASON_TEXT: Record<RefusalReason, string> = {
  missing_token: 'the request carries no service token',
  malformed_token: 'the service token is malformed',
  wrong_operation: 'the service token was issued for another operation',
  expired: 'the service token has expired',
  not_yet_valid: 'the service token is not valid yet (or lives too long)',
  payload_mismatch: 'the service token was issued for another payload',
  caller_not_allowed: 'the calling service may not call this operation',
  principal_missing: 'the operation is made on behalf of a principal and the token names none',
  unknown_key: 'the service token is signed by a key this service does not trust',
  bad_signature: 'the service token signature does not verify',
  replayed: 'the service token has been used before',
};

export const callerRefused = (subject: string, reason: RefusalReason): AppError =>
  appError('caller_refused', `${subject}: ${REASON_TEXT[reason]}`, { reason });

export interface ServiceIdentityOptions {
  readonly now?: () => number;
  /** How long a request token is valid. Default 10 s. */
  readonly tokenTtlMs?: number;
  /** Clock difference tolerated between services. Default 5 s. */
  readonly clockSkewMs?: number;
  readonly replayWindow?: ReplayWindow;
}

export interface VerifiedRequest {
  readonly caller: ServiceName;
  /** Set for operations made on someone's behalf; the only source of a handler's `actor`. */
  readonly principal: Actor | null;
  readonly jti: string;
}

export interface StatementSignature {
  readonly keyId: string;
  /** base64 (standard, padded) of the Ed25519 signature. */
  readonly sig: string;
}

/** The NATS header an event's proof travels in. */
export const EVENT_PROOF_HEADER = 'switchboard-event-proof';

const eventStatement = (subject: string, payload: string): string => `switchboard/event/v1|${subject}|${bodyHash(payload)}`;

/** Longest a token may claim to live, whatever its signer chose: a leaked token is dead within it. */
const MAX_TOKEN_LIFE_MS = 60_000;

/**
 * One service's identity on the bus: its Ed25519 key signs the requests it makes, the replies it gives and the
 * statements it publishes (the transport key, credential.issued); the trusted keys check everyone else's.
 */
export class ServiceIdentity {
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly skewMs: number;
  private readonly replays: ReplayWindow;

  constructor(
    readonly service: ServiceName,
    private readonly signing: SigningKey,
    readonly trusted: TrustedKeys,
    options: ServiceIdentityOptions = {},
  ) {
    if (!trusted.find(service, signing.keyId)) {
      throw new Error(`the ${service} service key (${signing.keyId}) is not among the trusted ${service} keys: wrong key file or trust list`);
    }
    this.now = options.now ?? Date.now;
    this.ttlMs = options.tokenTtlMs ?? 10_000;
    this.skewMs = options.clockSkewMs ?? 5_000;
    this.replays = options.replayWindow ?? new ReplayWindow();
  }

  get keyId(): string {
    return this.signing.keyId;
  }

  get publicKey(): string {
    return this.signing.publicKey;
  }

  /** `body` is the exact JSON the payload travels as; `principal` is required for operations made on someone's behalf. */
  signRequest(op: Operation, body: string, principal: Actor | null): { readonly token: string; readonly jti: string } {
    const iat = this.now();
    const jti = newTokenId();
    const claims: RequestClaims = {
      iss: this.service,
      kid: this.signing.keyId,
      op: op.subject,
      iat,
      exp: iat + this.ttlMs,
      jti,
      bh: bodyHash(body),
      ...(principal !== null ? { prn: principal } : {}),
    };
    return { token: encodeSigned(claims, this.signBytes, REQUEST_DOMAIN), jti };
  }

  /** Cheapest checks first, the signature next, the replay window last: a refused token never takes a slot there. */
  verifyRequest(token: string | undefined, op: Operation, body: string): Result<VerifiedRequest, AppError> {
    const refuse = (reason: RefusalReason) => fail(callerRefused(op.subject, reason));
    if (token === undefined || token === '') return refuse('missing_token');
    const decoded = decodeSigned(token, RequestClaims, REQUEST_DOMAIN);
    if (decoded === null) return refuse('malformed_token');
    const { claims } = decoded;
    if (claims.op !== op.subject) return refuse('wrong_operation');
    const now = this.now();
    if (claims.exp <= now - this.skewMs) return refuse('expired');
    if (claims.iat > now + this.skewMs || claims.exp - claims.iat > MAX_TOKEN_LIFE_MS || claims.exp < claims.iat) {
      return refuse('not_yet_valid');
    }
    if (claims.bh !== bodyHash(body)) return refuse('payload_mismatch');
    if (!op.callers.includes(claims.iss)) return refuse('caller_not_allowed');
    if (op.onBehalf && claims.prn === undefined) return refuse('principal_missing');
    const key = this.trusted.find(claims.iss, claims.kid);
    if (!key) return refuse('unknown_key');
    if (!verify(null, Buffer.from(decoded.signedText, 'utf8'), key.key, decoded.signature)) return refuse('bad_signature');
    if (!this.replays.admit(`${claims.iss}:${claims.jti}`, claims.exp + this.skewMs, now)) return refuse('replayed');
    return ok({ caller: claims.iss, principal: op.onBehalf ? (claims.prn ?? null) : null, jti: claims.jti });
  }

  /** The id of a request token, unverified: what a reply (a refusal included) is bound to. */
  requestIdOf(token: string | undefined): string | null {
    return token === undefined ? null : (decodeSigned(token, RequestClaims, REQUEST_DOMAIN)?.claims.jti ?? null);
  }

  /** The proof a reply carries: this service answered the request `requestJti` with exactly `body`. */
  signReply(requestJti: string, body: string): string {
    const claims: ReplyClaims = { iss: this.service, kid: this.signing.keyId, rq: requestJti, bh: bodyHash(body) };
    return encodeSigned(claims, this.signBytes, REPLY_DOMAIN);
  }

  /** A reply counts only when the operation's own service signed it for this very request. */
  verifyReply(proof: string | undefined, op: Operation, requestJti: string, body: string): boolean {
    if (proof === undefined) return false;
    const decoded = decodeSigned(proof, ReplyClaims, REPLY_DOMAIN);
    if (decoded === null) return false;
    const { claims } = decoded;
    if (claims.iss !== op.owner || claims.rq !== requestJti || claims.bh !== bodyHash(body)) return false;
    const key = this.trusted.find(claims.iss, claims.kid);
    return key !== undefined && verify(null, Buffer.from(decoded.signedText, 'utf8'), key.key, decoded.signature);
  }

  /**
   * The proof an event carries on the stream (header EVENT_PROOF_HEADER): this service published exactly this
   * payload on exactly this subject, so a consumer can tell its peer's events from anything else put there.
   */
  signEvent(subject: string, payload: string): string {
    const { keyId, sig } = this.signStatement(eventStatement(subject, payload));
    return `${keyId} ${sig}`;
  }

  verifyEvent(service: ServiceName, subject: string, payload: string, proof: string | undefined): boolean {
    const [keyId, sig, extra] = (proof ?? '').split(' ');
    return keyId !== undefined && sig !== undefined && extra === undefined && this.verifyStatement(service, eventStatement(subject, payload), { keyId, sig });
  }

  /** Signs a statement others verify against this service's published keys (fixed texts with their own prefixes). */
  signStatement(text: string): StatementSignature {
    return { keyId: this.signing.keyId, sig: signText(this.signing.key, text) };
  }

  verifyStatement(service: ServiceName, text: string, signature: StatementSignature): boolean {
    const key = this.trusted.find(service, signature.keyId);
    return key !== undefined && verifyText(key.key, text, signature.sig);
  }

  private readonly signBytes = (text: string): Buffer => sign(null, Buffer.from(text, 'utf8'), this.signing.key);
}
