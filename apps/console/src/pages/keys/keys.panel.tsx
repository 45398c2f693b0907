import type { KeyView, Page } from '@switchboard/contracts';
import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, ConfirmDialog, FormError, QueryState, Table, formatDateTime, type Column } from '../../ui';
import { useNames } from '../agents/agents.queries';
import { KEYS_PATH, KeyForm } from './key-form';

/** The tenant's keys (never their values), revoked by admins; a new key is shown once, at creation. */
export function KeysPanel() {
  const { isAdmin, keyId } = useSession();
  const keys = useApiQuery<Page<KeyView>>(`${KEYS_PATH}?limit=1000`);
  const { agentName } = useNames();
  const [revoking, setRevoking] = useState<KeyView | null>(null);
  const revoke = useApiMutation([KEYS_PATH]);
  const columns: readonly Column<KeyView>[] = [
    { header: 'Name', cell: (k) => (k.id === keyId ? `${k.name} (this session)` : k.name) },
    { header: 'Role', cell: (k) => k.role },
    { header: 'Agent', cell: (k) => (k.agentId === null ? '—' : agentName(k.agentId)) },
    { header: 'Created', cell: (k) => formatDateTime(k.createdAt) },
    { header: 'Last used', cell: (k) => formatDateTime(k.lastUsedAt) },
    ...(isAdmin
      ? [
          {
            header: 'Actions',
            cell: (k: KeyView) => (
              <Button variant="danger" onClick={() => setRevoking(k)}>
                Revoke
              </Button>
            ),
          },
        ]
      : []),
  ];
  const close = () => {
    revoke.reset();
    setRevoking(null);
  };
  return (
    <section className="panel" aria-labelledby="keys-heading">
      <h2 id="keys-heading">Keys</h2>
      <QueryState loading={keys.isPending} error={keys.error}>
        <Table caption="Access keys" columns={columns} rows={keys.data?.body.data ?? []} rowKey={(k) => k.id} empty="No keys." />
      </QueryState>
      {isAdmin ? (
        <>
          <h3>New key</h3>
          <KeyForm />
        </>
      ) : null}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke key"
        confirmLabel="Revoke"
        danger
        busy={revoke.isPending}
        onCancel={close}
        onConfirm={() => revoking && revoke.mutate({ method: 'DELETE', path: `${KEYS_PATH}/${revoking.id}` }, { onSuccess: close })}
      >
        <p>
          Revoke the key <strong>{revoking?.name}</strong>? Calls with it are refused from now on.
          {revoking?.id === keyId ? ' It is the key of this session: you will be signed out.' : ''}
        </p>
        <FormError error={revoke.error} />
      </ConfirmDialog>
    </section>
  );
}
