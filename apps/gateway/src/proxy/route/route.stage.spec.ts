import { appError, fail, ok, type AgentRoute, type AppError, type Result } from '@switchboard/contracts';
import { resolveRoute, type RouteSource } from './route.stage.js';

const ROUTE = { tenantId: 'ten_1', agent: { id: 'agt_1' } } as unknown as AgentRoute;

/** A route cache: `cached` is what peek finds, `fetched` what a miss gets from providers-service. */
class MemoryRoutes implements RouteSource {
  fetches = 0;
  constructor(
    private readonly cached: AgentRoute | undefined,
    private readonly fetched: Result<AgentRoute, AppError> = ok(ROUTE),
  ) {}
  peek(): AgentRoute | undefined {
    return this.cached;
  }
  async get(): Promise<Result<AgentRoute, AppError>> {
    this.fetches++;
    return this.fetched;
  }
}

const caller = { tenantId: 'ten_1', agentId: 'agt_1' };

describe('route stage', () => {
  it('answers from the cache at once, without a promise to await', () => {
    expect(resolveRoute(new MemoryRoutes(ROUTE), 'openai_chat', caller)).toEqual({ route: ROUTE });
  });

  it('fetches a route the cache does not hold', async () => {
    const routes = new MemoryRoutes(undefined);
    expect(await resolveRoute(routes, 'openai_chat', caller)).toEqual({ route: ROUTE });
    expect(routes.fetches).toBe(1);
  });

  it('answers 403 for an agent that does not exist, and 503 when providers-service cannot answer', async () => {
    const missing = await resolveRoute(new MemoryRoutes(undefined, fail(appError('agent_not_found', 'no agent'))), 'openai_chat', caller);
    expect('error' in missing && [missing.error.status, missing.error.kind]).toEqual([403, 'permission_denied']);
    const down = await resolveRoute(new MemoryRoutes(undefined, fail(appError('unavailable', 'timeout'))), 'anthropic_messages', caller);
    expect('error' in down && [down.error.status, down.error.headers['retry-after'] !== undefined]).toEqual([503, true]);
  });
});
