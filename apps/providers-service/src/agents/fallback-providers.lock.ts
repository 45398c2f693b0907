import { ok, type AgentFallback, type AppError, type Result } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import { lockLiveProvider } from '../providers/provider.queries.js';

/**
 * Each fallback's provider FOR SHARE, as an agent's own provider is locked (see lockLiveProvider): a provider deleted
 * while the agent was written to fall back to it fails the write instead of leaving a dangling fallback. In id order,
 * so two writers never wait on each other's locks.
 */
export async function lockFallbackProviders(tx: Tx, tenantId: string, fallbacks: readonly AgentFallback[]): Promise<Result<void, AppError>> {
  for (const providerId of [...new Set(fallbacks.map((f) => f.providerId))].sort()) {
    const locked = await lockLiveProvider(tx, tenantId, providerId, 'share');
    if (!locked.ok) return locked;
  }
  return ok(undefined);
}
