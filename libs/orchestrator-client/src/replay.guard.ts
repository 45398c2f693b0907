/**
 * Ids already handled, oldest forgotten first once `capacity` is reached. Memory stays bounded for a
 * long-running orchestrator; an id old enough to be forgotten belongs to a credential long expired.
 */
export class ReplayGuard {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
  }

  seen(...ids: readonly string[]): boolean {
    return ids.some((id) => this.ids.has(id));
  }

  remember(...ids: readonly string[]): void {
    for (const id of ids) {
      this.ids.delete(id);
      this.ids.add(id);
      if (this.ids.size > this.capacity) {
        const oldest = this.ids.values().next();
        if (!oldest.done) this.ids.delete(oldest.value);
      }
    }
  }
}
