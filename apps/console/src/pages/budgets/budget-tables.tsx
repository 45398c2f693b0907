import type { AgentView, ProviderView } from '@switchboard/contracts';
import { Link } from 'wouter';
import { QueryState, Table, type Column } from '../../ui';
import { BudgetGauge } from '../agents/agent-budget.panel';
import { useAgents, useNames, useProviders } from '../agents/agents.queries';

/** This month's budget of every provider and every agent: spent and reserved against the limit. */
export function BudgetTables() {
  const providers = useProviders();
  const agents = useAgents();
  const { providerName } = useNames();
  const providerColumns: readonly Column<ProviderView>[] = [
    { header: 'Provider', cell: (p) => <Link href={`~/providers/${p.id}`}>{p.name}</Link> },
    { header: 'This month', cell: (p) => <BudgetGauge scope="provider" id={p.id} label={`Budget of provider ${p.name}`} /> },
  ];
  const agentColumns: readonly Column<AgentView>[] = [
    { header: 'Agent', cell: (a) => <Link href={`~/agents/${a.id}`}>{a.name}</Link> },
    { header: 'Provider', cell: (a) => providerName(a.providerId) },
    { header: 'This month', cell: (a) => <BudgetGauge scope="agent" id={a.id} label={`Budget of agent ${a.name}`} /> },
  ];
  return (
    <section className="panel" aria-labelledby="budgets-heading">
      <h2 id="budgets-heading">Budgets this month</h2>
      <p className="muted">Calls that would go past a budget are refused (429). Limits are set on each provider and agent.</p>
      <div className="budget-tables">
        <QueryState loading={providers.isPending} error={providers.error}>
          <Table caption="Provider budgets" columns={providerColumns} rows={providers.data?.body.data ?? []} rowKey={(p) => p.id} empty="No providers yet." />
        </QueryState>
        <QueryState loading={agents.isPending} error={agents.error}>
          <Table caption="Agent budgets" columns={agentColumns} rows={agents.data?.body.data ?? []} rowKey={(a) => a.id} empty="No agents yet." />
        </QueryState>
      </div>
    </section>
  );
}
