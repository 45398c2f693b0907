import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Actor, SERVICE_NAMES, type ServiceName } from '@switchboard/contracts';

/** The NATS header a request's token travels in. */
export const BUS_TOKEN_HEADER = 'switchboard-auth';

// Domain separation: a signature made for one kind of message never verifies as another.
export const REQUEST_DOMAIN = 'switchboard/bus-request/v1.';
export const REPLY_DOMAIN = 'switchboard/bus-reply/v1.';

/**
 * What a request token says, signed by the calling service: who calls (`iss`, `kid`), which operation (`op`),
 * when it is valid (`iat`..`exp`, ms since the epoch), a one-time id (`jti`), the SHA-256 of the exact payload
 * (`bh`, base64url of the hash of its JSON) and, for a call on someone's behalf, the principal (`prn`).
 * Binding the payload makes a token seen on the bus useless for any other request.
 */
export const RequestClaims = z.object({
  iss: z.enum(SERVICE_NAMES),
  kid: z.string().max(64),
  op: z.string().max(200),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(16).max(64),
  bh: z.string().length(43),
  prn: Actor.optional(),
});
export type RequestClaims = z.infer<typeof RequestClaims>;

/** A reply's proof: the answering service, the request it answers (`rq` = its jti) and the reply's hash. */
export const ReplyClaims = z.object({
  iss: z.enum(SERVICE_NAMES),
  kid: z.string().max(64),
  rq: z.string().min(16).max(64),
  bh: z.string().length(43),
});
export type ReplyClaims = z.infer<typeof ReplyClaims>;

export const bodyHash = (body: string): string => createHash('sha256').update(body, 'utf8').digest('base64url');

export const newTokenId = (): string => randomBytes(16).toString('base64url');

/** `<base64url(claims JSON)>.<base64url(signature)>`; the signature covers the domain and the first segment. */
export function encodeSigned(claims: object, sign: (text: string) => Buffer, domain: string): string {
  const segment = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${segment}.${sign(domain + segment).toString('base64url')}`;
}

export interface DecodedToken<T> {
  readonly claims: T;
  readonly signedText: string;
  readonly signature: Buffer;
}

const MAX_TOKEN_LENGTH = 4096;

/** Splits and parses a token; null for anything that is not one (the signature is checked by the caller). */
export function decodeSigned<T>(token: string, schema: z.ZodType<T>, domain: string): DecodedToken<T> | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || token.indexOf('.', dot + 1) !== -1) return null;
  const segment = token.slice(0, dot);
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  if (signature.length !== 64) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const claims = schema.safeParse(json);
  return claims.success ? { claims: claims.data, signedText: domain + segment, signature } : null;
}

export type { ServiceName };
