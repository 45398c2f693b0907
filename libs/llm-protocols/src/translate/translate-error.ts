import { mapUpstreamError } from '../client-error.mapper.js';
import type { Direction } from './translate.types.js';

/**
 * An upstream's error answer (`direction.from`'s shape, the other family's, or garbage) → an error body in the
 * client's family (`direction.to`): OpenAI `{error:{message,type,param,code}}`, Anthropic
 * `{type:'error', error:{type,message}}`. Types follow the status exactly as for an untranslated call
 * (mapUpstreamError), which also keeps a provider's message out of auth failures, where providers echo part of
 * the key. The status to answer with is mapUpstreamError's too.
 */
export function translateError(direction: Direction, status: number, body: unknown): Record<string, unknown> {
  return { ...mapUpstreamError(direction.to, status, body).body };
}
