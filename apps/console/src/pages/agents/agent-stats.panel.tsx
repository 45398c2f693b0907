import { QueryState, formatDateTime, formatInt, formatPrice } from '../../ui';
import { useAgentStats } from './agents.queries';

const ms = (value: number | null) => (value === null ? '—' : `${formatInt(Math.round(value))} ms`);

/** The agent's figures over all its calls, refreshed while the page is open. */
export function AgentStatsPanel({ agentId }: { readonly agentId: string }) {
  const stats = useAgentStats(agentId);
  const s = stats.data?.body;
  return (
    <section className="panel" aria-labelledby="agent-stats-heading">
      <h2 id="agent-stats-heading">Statistics</h2>
      <QueryState loading={stats.isPending} error={stats.error}>
        {s ? (
          <dl className="facts" aria-label="Agent statistics">
            <dt>Requests</dt>
            <dd>{formatInt(s.requests)}</dd>
            <dt>Errors</dt>
            <dd>{formatInt(s.errors)}</dd>
            <dt>Total tokens</dt>
            <dd>
              {formatInt(s.totalTokens)}{' '}
              <span className="muted">
                ({formatInt(s.inputTokens)} in, {formatInt(s.outputTokens)} out)
              </span>
            </dd>
            <dt>Average response time</dt>
            <dd>{ms(s.avgLatencyMs)}</dd>
            <dt>p95 response time</dt>
            <dd>{ms(s.p95LatencyMs)}</dd>
            <dt>Cost</dt>
            <dd>{formatPrice(s.costUsd)}</dd>
            <dt>Last request</dt>
            <dd>{formatDateTime(s.lastRequestAt)}</dd>
          </dl>
        ) : null}
      </QueryState>
    </section>
  );
}
