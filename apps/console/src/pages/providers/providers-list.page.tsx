import { Link, useLocation } from 'wouter';
import { useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, PageHeader, QueryState, Table, formatInt, type Column } from '../../ui';
import { ProviderBudget } from './budget-gauge';
import { CircuitBadge } from './circuit-badge';
import { CredentialSummary } from './credential-status';
import type { Page, ProviderView } from './provider.types';

const COLUMNS: readonly Column<ProviderView>[] = [
  { header: 'Name', cell: (p) => <Link href={`/${p.id}`}>{p.name}</Link> },
  { header: 'Type', cell: (p) => p.type },
  { header: 'Endpoint', cell: (p) => <code>{p.endpoint}</code> },
  { header: 'Models', numeric: true, cell: (p) => formatInt(p.modelCount) },
  { header: 'Credential', cell: (p) => <CredentialSummary provider={p} /> },
  { header: 'Circuit', cell: (p) => <CircuitBadge circuit={p.circuit} /> },
  { header: 'RPM', numeric: true, cell: (p) => (p.rateLimitRpm === null ? 'no limit' : formatInt(p.rateLimitRpm)) },
  { header: 'Budget', cell: (p) => <ProviderBudget providerId={p.id} name={p.name} /> },
];

export function ProvidersListPage() {
  const { isAdmin } = useSession();
  const [, navigate] = useLocation();
  const providers = useApiQuery<Page<ProviderView>>('/v1/providers?limit=1000');
  return (
    <>
      <PageHeader
        title="Providers"
        actions={
          isAdmin ? (
            <Button variant="primary" onClick={() => navigate('/new')}>
              New provider
            </Button>
          ) : null
        }
      />
      <QueryState loading={providers.isPending} error={providers.data ? null : providers.error}>
        <Table
          caption="Providers of this tenant"
          columns={COLUMNS}
          rows={providers.data?.body.data ?? []}
          rowKey={(p) => p.id}
          empty={isAdmin ? 'No providers yet. Add one with New provider.' : 'No providers yet.'}
        />
      </QueryState>
    </>
  );
}
