import type { Page, SecretView } from '@switchboard/contracts';
import { useState } from 'react';
import { useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, QueryState, Table, formatDateTime, type Column } from '../../ui';
import { NewSecretForm, ReplaceSecretDialog, SECRETS_PATH } from './secret-forms';

/** Secrets by name: write-only, so the list shows names, versions and hints, never a value. */
export function SecretsPanel() {
  const { isAdmin } = useSession();
  const secrets = useApiQuery<Page<SecretView>>(`${SECRETS_PATH}?limit=1000`);
  const [replacing, setReplacing] = useState<SecretView | null>(null);
  const columns: readonly Column<SecretView>[] = [
    { header: 'Name', cell: (s) => s.name },
    { header: 'Kind', cell: (s) => (s.kind === 'api_key' ? 'API key' : 'header values') },
    { header: 'Version', cell: (s) => s.version, numeric: true },
    { header: 'Hint', cell: (s) => <code>{s.hint}</code> },
    { header: 'Updated', cell: (s) => formatDateTime(s.updatedAt) },
    ...(isAdmin
      ? [
          {
            header: 'Actions',
            cell: (s: SecretView) =>
              s.kind === 'api_key' ? <Button onClick={() => setReplacing(s)}>Replace value</Button> : <span className="muted">edit on its provider</span>,
          },
        ]
      : []),
  ];
  return (
    <section className="panel" aria-labelledby="secrets-heading">
      <h2 id="secrets-heading">Secrets</h2>
      <QueryState loading={secrets.isPending} error={secrets.error}>
        <Table caption="Secrets" columns={columns} rows={secrets.data?.body.data ?? []} rowKey={(s) => s.id} empty="No secrets." />
      </QueryState>
      {isAdmin ? (
        <>
          <h3>New secret</h3>
          <NewSecretForm />
          <ReplaceSecretDialog secret={replacing} onClose={() => setReplacing(null)} />
        </>
      ) : null}
    </section>
  );
}
