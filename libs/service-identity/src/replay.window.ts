/**
 * The request token ids seen while they are valid: a token is accepted once. Entries leave when their token
 * expires, so the window holds at most what a token's life admits; past `maxEntries` (far beyond any honest
 * rate) it refuses rather than forgets, because forgetting a live id would let it be replayed.
 */
export class ReplayWindow {
  private readonly expiries = new Map<string, number>();
  private nextSweepAt = 0;

  constructor(private readonly maxEntries = 500_000) {}

  /** True the first time an id is offered (and remembers it until `expiresAt`); false for a replay or when full. */
  admit(id: string, expiresAt: number, now: number): boolean {
    if (now >= this.nextSweepAt || this.expiries.size >= this.maxEntries) this.sweep(now);
    if (this.expiries.has(id) || this.expiries.size >= this.maxEntries) return false;
    this.expiries.set(id, expiresAt);
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  private sweep(now: number): void {
    for (const [id, expiresAt] of this.expiries) if (expiresAt <= now) this.expiries.delete(id);
    this.nextSweepAt = now + 1_000;
  }
}
