import type { AlertView, Page } from '@switchboard/contracts';
import { useState } from 'react';
import { withQuery } from '../../api/client';
import { useApiQuery } from '../../api/queries';
import { QueryState, Select, Table, formatDateTime, type Column } from '../../ui';
import { useNames } from '../agents/agents.queries';

const KINDS = [
  { value: '', label: 'All kinds' },
  { value: 'budget_threshold', label: 'Budget threshold' },
  { value: 'error_rate', label: 'Error rate' },
  { value: 'slow_responses', label: 'Slow responses' },
  { value: 'token_spike', label: 'Token spike' },
  { value: 'unpriced_model', label: 'Unpriced model' },
];

const kindLabel = (kind: string) => KINDS.find((k) => k.value === kind)?.label ?? kind;

/** `provider:<id>`, `agent:<id>` or `model:<providerId>/<model>`, with names in place of ids. */
function useSubjectLabel(): (subject: string) => string {
  const { providerName, agentName } = useNames();
  return (subject) => {
    const [kind, rest = ''] = subject.split(/:(.*)/s);
    if (kind === 'provider') return `provider ${providerName(rest)}`;
    if (kind === 'agent') return `agent ${agentName(rest)}`;
    if (kind === 'model') {
      const slash = rest.indexOf('/');
      return slash < 0 ? `model ${rest}` : `model ${rest.slice(slash + 1)} of ${providerName(rest.slice(0, slash))}`;
    }
    return subject;
  };
}

const detailText = (detail: Record<string, unknown>) =>
  Object.entries(detail)
    .map(([name, value]) => `${name} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');

/** The tenant's alerts, newest first, optionally of one kind. */
export function AlertsPanel() {
  const [kind, setKind] = useState('');
  const alerts = useApiQuery<Page<AlertView>>(withQuery('/v1/alerts', { kind, limit: 100 }), { refetchInterval: 10_000 });
  const subjectLabel = useSubjectLabel();
  const columns: readonly Column<AlertView>[] = [
    { header: 'When', cell: (a) => formatDateTime(a.at) },
    { header: 'Kind', cell: (a) => kindLabel(a.kind) },
    { header: 'About', cell: (a) => subjectLabel(a.subject) },
    { header: 'Figures', cell: (a) => <span className="alert-detail">{detailText(a.detail)}</span> },
  ];
  return (
    <section className="panel" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      <div className="inline-controls">
        <Select label="Kind" value={kind} onChange={setKind} options={KINDS} />
      </div>
      <QueryState loading={alerts.isPending} error={alerts.error}>
        <Table caption="Recent alerts" columns={columns} rows={alerts.data?.body.data ?? []} rowKey={(a) => a.id} empty="No alerts." />
      </QueryState>
    </section>
  );
}
