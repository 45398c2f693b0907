import { useEffect } from 'react';
import { useApiQuery } from '../../api/queries';
import { QueryState, Table, formatDateTime, type Column } from '../../ui';
import { providerPath, type Page, type ProviderHistoryEntry } from './provider.types';

/** A change's fields in a line: `name: "a" · rateLimitRpm: 60` (the history never carries secret values). */
function describeChanges(changes: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(changes).map(([field, value]) => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return `${field}: ${shown.length > 80 ? `${shown.slice(0, 77)}…` : shown}`;
  });
  return parts.length === 0 ? '—' : parts.join(' · ');
}

const COLUMNS: readonly Column<ProviderHistoryEntry>[] = [
  { header: 'When', cell: (h) => formatDateTime(h.at) },
  { header: 'Change', cell: (h) => h.type },
  { header: 'By', cell: (h) => (h.actor ? <code>{h.actor}</code> : 'the system') },
  { header: 'Version', numeric: true, cell: (h) => h.version },
  { header: 'Fields', cell: (h) => describeChanges(h.changes) },
];

/** Every change to the provider, newest first, from its event-sourced history. */
export function HistoryPanel({ providerId, version }: { readonly providerId: string; readonly version: number }) {
  const history = useApiQuery<Page<ProviderHistoryEntry>>(`${providerPath(providerId)}/history?limit=1000`);
  const { refetch } = history;
  // A new version of the provider means a new entry, whoever made the change.
  useEffect(() => {
    void refetch();
  }, [version, refetch]);
  const rows = [...(history.data?.body.data ?? [])].reverse();
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <QueryState loading={history.isPending} error={history.error}>
        <Table caption="Changes, newest first" columns={COLUMNS} rows={rows} rowKey={(h) => `${h.version}-${h.type}-${h.at}`} empty="No changes recorded." />
      </QueryState>
    </section>
  );
}
