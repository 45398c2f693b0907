import { Link } from 'wouter';
import { useSession } from '../../auth/session';
import { PageHeader, QueryState, formatDateTime } from '../../ui';
import { AgentBudgetPanel } from './agent-budget.panel';
import { AgentFallbacksPanel } from './agent-fallbacks.panel';
import { AgentRunPanel } from './agent-run.panel';
import { AgentStatsPanel } from './agent-stats.panel';
import { useAgent, useNames } from './agents.queries';

/** One agent: what it is, where its calls fail over to, what it has used, its budget, and (admins) start and stop. */
export function AgentDetailPage({ id }: { readonly id: string }) {
  const { isAdmin } = useSession();
  const agent = useAgent(id);
  const { providerName } = useNames();
  const view = agent.data?.body;
  return (
    <>
      <PageHeader title={view ? `Agent ${view.name}` : 'Agent'} actions={<Link href="/">Back to agents</Link>} />
      <QueryState loading={agent.isPending} error={agent.error}>
        {view && agent.data ? (
          <>
            <section className="panel" aria-label="Agent">
              <dl className="facts">
                <dt>Id</dt>
                <dd>
                  <code>{view.id}</code>
                </dd>
                <dt>Provider</dt>
                <dd>
                  <Link href={`~/providers/${view.providerId}`}>{providerName(view.providerId)}</Link>
                </dd>
                <dt>Model</dt>
                <dd>{view.model ?? 'provider’s default'}</dd>
                <dt>Delivery</dt>
                <dd>{view.delivery}</dd>
                <dt>Created</dt>
                <dd>{formatDateTime(view.createdAt)}</dd>
              </dl>
            </section>
            <AgentStatsPanel agentId={view.id} />
            <AgentBudgetPanel agent={agent.data} providerName={providerName(view.providerId)} />
            <AgentFallbacksPanel agent={agent.data} providerName={providerName} />
            {isAdmin ? <AgentRunPanel agentId={view.id} /> : null}
          </>
        ) : null}
      </QueryState>
    </>
  );
}
