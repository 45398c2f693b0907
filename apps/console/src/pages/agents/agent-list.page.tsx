import type { AgentView } from '@switchboard/contracts';
import { Link } from 'wouter';
import { useSession } from '../../auth/session';
import { PageHeader, QueryState, Table, formatDateTime, formatUsd, type Column } from '../../ui';
import { useAgents, useNames } from './agents.queries';

/** The tenant's agents, each linking to its statistics and budget. */
export function AgentListPage() {
  const { isAdmin } = useSession();
  const agents = useAgents();
  const { providerName } = useNames();
  const columns: readonly Column<AgentView>[] = [
    { header: 'Name', cell: (a) => <Link href={`/${a.id}`}>{a.name}</Link> },
    { header: 'Provider', cell: (a) => providerName(a.providerId) },
    { header: 'Model', cell: (a) => a.model ?? <span className="muted">provider’s default</span> },
    { header: 'Delivery', cell: (a) => a.delivery },
    { header: 'Monthly budget', cell: (a) => (a.monthlyBudgetUsd === null ? 'none' : formatUsd(a.monthlyBudgetUsd)), numeric: true },
    { header: 'Created', cell: (a) => formatDateTime(a.createdAt) },
  ];
  return (
    <>
      <PageHeader
        title="Agents"
        actions={
          isAdmin ? (
            <Link href="/new" className="button primary">
              New agent
            </Link>
          ) : null
        }
      />
      <QueryState loading={agents.isPending} error={agents.error}>
        <Table caption="Agents" columns={columns} rows={agents.data?.body.data ?? []} rowKey={(a) => a.id} empty="No agents yet." />
      </QueryState>
    </>
  );
}
