import { ProvidersOps, type AgentRoute, type AppError, type Result } from '@switchboard/contracts';
import type { BusClient } from '@switchboard/messaging';

interface Entry {
  readonly route: AgentRoute;
  readonly expiresAt: number;
}

/** Events keep routes fresh; the TTL only bounds how long a route can outlive an event missed during a reconnect. */
const ROUTE_TTL_MS = 60_000;
const MAX_ROUTES = 50_000;
const RESOLVE_TIMEOUT_MS = 2_000;

/**
 * Agent → provider → models, per agent, from ProvidersOps.resolveAgentRoute. Dropped for a whole tenant when
 * any provider, model, agent or settings event of that tenant arrives (they are rare, and a route touches all).
 * A lookup that overlapped a drop of its tenant is used once but not cached, so it cannot resurrect stale data.
 */
export class AgentRouteCache {
  private readonly routes = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Result<AgentRoute, AppError>>>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly bus: BusClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached route, without touching the bus (the hot path's fast case). */
  peek(tenantId: string, agentId: string): AgentRoute | undefined {
    const key = `${tenantId}/${agentId}`;
    const entry = this.routes.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.route;
    this.routes.delete(key);
    return undefined;
  }

  get(tenantId: string, agentId: string): Promise<Result<AgentRoute, AppError>> {
    const key = `${tenantId}/${agentId}`;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.fetch(key, tenantId, agentId).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  dropTenant(tenantId: string): void {
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
    const prefix = `${tenantId}/`;
    for (const key of this.routes.keys()) if (key.startsWith(prefix)) this.routes.delete(key);
  }

  clear(): void {
    for (const tenantId of new Set([...this.routes.keys()].map((k) => k.slice(0, k.indexOf('/'))))) this.dropTenant(tenantId);
  }

  private async fetch(key: string, tenantId: string, agentId: string): Promise<Result<AgentRoute, AppError>> {
    const generation = this.generations.get(tenantId) ?? 0;
    const result = await this.bus.send(ProvidersOps.resolveAgentRoute, { tenantId, agentId }, { timeoutMs: RESOLVE_TIMEOUT_MS });
    if (result.ok && generation === (this.generations.get(tenantId) ?? 0)) {
      if (this.routes.size >= MAX_ROUTES) this.routes.delete(this.routes.keys().next().value ?? '');
      this.routes.set(key, { route: result.value, expiresAt: this.now() + ROUTE_TTL_MS });
    }
    return result;
  }
}
