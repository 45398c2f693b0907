import type { Readable } from 'node:stream';

export type BoundedRead = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly size: number };

/**
 * Reads a whole body, refusing more than `maxBytes`. A declared Content-Length over the bound is
 * refused before reading; otherwise the stream is destroyed as soon as the count passes it, so a
 * hostile or broken upstream cannot make the gateway buffer without limit. Stream errors
 * (timeouts, resets) are thrown for the caller to map.
 */
export async function readBounded(body: Readable, maxBytes: number, declaredLength: string | string[] | undefined): Promise<BoundedRead> {
  const declared = typeof declaredLength === 'string' ? Number(declaredLength) : NaN;
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    return { ok: false, size: declared };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return { ok: false, size };
    }
    chunks.push(chunk);
  }
  return { ok: true, bytes: Buffer.concat(chunks, size) };
}
