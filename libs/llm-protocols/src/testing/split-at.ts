/**
 * `bytes` cut at each of `cuts` (any integers: each is taken modulo the length + 1, repeats count once), in order:
 * how a stream arrives when the network splits it anywhere. Specs feed it fast-check's arrays of cut points.
 */
export function splitAt<T extends Uint8Array>(bytes: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: T[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point) as T);
    start = point;
  }
  return chunks;
}
