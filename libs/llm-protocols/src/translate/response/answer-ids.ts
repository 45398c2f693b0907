import { createHash } from 'node:crypto';
import type { JsonObject } from '../../protocol.types.js';

/** The prefixes each family puts on its ids; stripped so one upstream id maps to one id in the client's family. */
const KNOWN_PREFIX = /^(msg_|chatcmpl-|resp_|toolu_|call_|fc_)/;

/**
 * An id in the client's family derived from the upstream's (`msg_01Xf…` → `chatcmpl-01Xf…`): the same upstream
 * answer always gets the same id, and logs on both sides can be matched. An answer without an id gets one from
 * its content, still stable.
 */
export function derivedId(prefix: string, upstreamId: unknown, body: JsonObject): string {
  if (typeof upstreamId === 'string' && upstreamId.length > 0) return `${prefix}${upstreamId.replace(KNOWN_PREFIX, '')}`;
  return `${prefix}${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24)}`;
}

export interface TranslateResponseContext {
  /** The model name the client called, echoed in the answer. */
  readonly model: string;
  /** Unix seconds for OpenAI's `created` / `created_at`; the current time when not given. */
  readonly createdAt?: number;
}

export function createdOf(ctx: TranslateResponseContext): number {
  return ctx.createdAt ?? Math.floor(Date.now() / 1000);
}
