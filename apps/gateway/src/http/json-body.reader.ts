import type { IncomingMessage } from 'node:http';

/** A body that could not be taken: the status and message Fastify's JSON parsing gives the same body. */
export interface BodyFailure {
  readonly status: number;
  readonly message: string;
}

export type BodyRead = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: BodyFailure };

const TOO_LARGE: BodyFailure = { status: 413, message: 'Request body is too large' };
const LENGTH_MISMATCH: BodyFailure = { status: 400, message: 'Request body size did not match Content-Length' };
const EMPTY: BodyFailure = { status: 400, message: "Body cannot be empty when content-type is set to 'application/json'" };
const INVALID: BodyFailure = { status: 400, message: "Body is not valid JSON but content-type is set to 'application/json'" };

/** Keys that may reach an object's prototype through a later merge; written escaped or not. */
const SUSPECT_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/**
 * Reads a JSON request body of at most `limit` bytes, as Fastify's own JSON parsing does for the management API and
 * did for the proxy: a declared length over the limit is refused before a byte is read, a body that grows past it as
 * soon as it does, a body shorter or longer than its Content-Length is refused, and so is JSON with a `__proto__` key
 * or a `constructor.prototype` (a later merge of it would reach the prototype).
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.resolve({ ok: false, error: TOO_LARGE });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        stop();
        resolve({ ok: false, error: TOO_LARGE });
        return;
      }
      chunks.push(chunk);
    };
    const onError = (error: Error & { statusCode?: number }): void => {
      stop();
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 400;
      resolve({ ok: false, error: { status, message: error.message } });
    };
    const onEnd = (): void => {
      stop();
      if (!Number.isNaN(declared) && received !== declared) return resolve({ ok: false, error: LENGTH_MISMATCH });
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
      resolve(parseJsonText(text));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.resume();
  });
}

export function parseJsonText(text: string): BodyRead {
  if (text.length === 0) return { ok: false, error: EMPTY };
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return { ok: false, error: INVALID };
  }
  if (value === null || typeof value !== 'object') return { ok: true, value };
  if (!SUSPECT_PROTO.test(source) && !SUSPECT_CONSTRUCTOR.test(source)) return { ok: true, value };
  return reachesPrototype(value) ? { ok: false, error: INVALID } : { ok: true, value };
}

const own = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function reachesPrototype(root: object): boolean {
  let next: object[] = [root];
  while (next.length > 0) {
    const nodes = next;
    next = [];
    for (const node of nodes) {
      if (own(node, '__proto__')) return true;
      const ctor = (node as { constructor?: unknown }).constructor;
      if (own(node, 'constructor') && ctor !== null && typeof ctor === 'object' && own(ctor, 'prototype')) return true;
      for (const value of Object.values(node)) if (value !== null && typeof value === 'object') next.push(value as object);
    }
  }
  return false;
}
