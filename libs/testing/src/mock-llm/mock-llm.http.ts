import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from './mock-llm.wire.js';

/** Resolves once the frame is handed to the socket, or the client is gone. */
export function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('close', done);
      resolve();
    };
    res.once('close', done);
    res.write(text, done);
  });
}

export function presentedKey(headers: Record<string, string>): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '');
  return bearer?.[1] ?? headers['x-api-key'] ?? null;
}

export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function parseBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

