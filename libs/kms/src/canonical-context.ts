/** Encryption context: who a ciphertext belongs to (e.g. `{tenantId, secretId, version}`). */
export type KmsContext = Readonly<Record<string, string>>;

/**
 * Serialises an encryption context unambiguously for use as AES-GCM additional data:
 * u32 pair count, then for each pair sorted by the key's UTF-8 bytes, u32 byte length + UTF-8 key
 * and u32 byte length + UTF-8 value (all big-endian). Length prefixes keep `{"a":"bc"}` and
 * `{"ab":"c"}` apart; sorting makes the bytes independent of property order.
 */
export function canonicalContext(ctx: KmsContext): Buffer {
  const pairs = Object.entries(ctx).map(([key, value]) => {
    if (typeof value !== 'string') throw new TypeError(`encryption context value for "${key}" must be a string`);
    return [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const;
  });
  pairs.sort(([a], [b]) => Buffer.compare(a, b));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [key, value] of pairs) parts.push(u32(key.length), key, u32(value.length), value);
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
}
