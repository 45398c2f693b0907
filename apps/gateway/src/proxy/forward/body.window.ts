/** How much of each end of a large answer is kept to find its usage. */
export const FRAGMENT_BYTES = 64 * 1024;

/** The first and last FRAGMENT_BYTES of a body that passes through, and nothing in between. */
export class BodyWindow {
  private readonly first: Buffer[] = [];
  private firstBytes = 0;
  private readonly last: Buffer[] = [];
  private lastBytes = 0;

  push(chunk: Buffer): void {
    if (this.firstBytes < FRAGMENT_BYTES) {
      const part = chunk.subarray(0, FRAGMENT_BYTES - this.firstBytes);
      this.first.push(part);
      this.firstBytes += part.length;
    }
    this.last.push(chunk);
    this.lastBytes += chunk.length;
    while (this.last.length > 1 && this.lastBytes - (this.last[0]?.length ?? 0) >= FRAGMENT_BYTES) {
      this.lastBytes -= this.last.shift()?.length ?? 0;
    }
  }

  head(): string {
    return Buffer.concat(this.first).toString('utf8');
  }

  tail(): string {
    const joined = Buffer.concat(this.last);
    return joined.subarray(Math.max(0, joined.length - FRAGMENT_BYTES)).toString('utf8');
  }
}
