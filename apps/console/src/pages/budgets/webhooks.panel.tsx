import type { Page, WebhookDeliveryView, WebhookView } from '@switchboard/contracts';
import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, ConfirmDialog, FormError, QueryState, Table, formatDateTime, type Column } from '../../ui';
import { WEBHOOKS_PATH, WebhookForm } from './webhook-form';

/** Webhooks: the list, each one's delivery log on demand, and (admins) create and delete. */
export function WebhooksPanel() {
  const { isAdmin } = useSession();
  const webhooks = useApiQuery<Page<WebhookView>>(`${WEBHOOKS_PATH}?limit=1000`);
  const [shown, setShown] = useState<WebhookView | null>(null);
  const [deleting, setDeleting] = useState<WebhookView | null>(null);
  const remove = useApiMutation([WEBHOOKS_PATH]);
  const columns: readonly Column<WebhookView>[] = [
    { header: 'URL', cell: (w) => <code>{w.url}</code> },
    { header: 'Events', cell: (w) => w.events.join(', ') },
    { header: 'Created', cell: (w) => formatDateTime(w.createdAt) },
    {
      header: 'Actions',
      cell: (w) => (
        <div className="row-actions">
          <Button onClick={() => setShown(shown?.id === w.id ? null : w)} aria-expanded={shown?.id === w.id}>
            Deliveries
          </Button>
          {isAdmin ? (
            <Button variant="danger" onClick={() => setDeleting(w)}>
              Delete
            </Button>
          ) : null}
        </div>
      ),
    },
  ];
  return (
    <section className="panel" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      <QueryState loading={webhooks.isPending} error={webhooks.error}>
        <Table caption="Webhooks" columns={columns} rows={webhooks.data?.body.data ?? []} rowKey={(w) => w.id} empty="No webhooks." />
      </QueryState>
      {shown ? <DeliveryLog webhook={shown} /> : null}
      {isAdmin ? (
        <>
          <h3>New webhook</h3>
          <WebhookForm />
        </>
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete webhook"
        confirmLabel="Delete"
        danger
        busy={remove.isPending}
        onCancel={() => {
          remove.reset();
          setDeleting(null);
        }}
        onConfirm={() =>
          deleting &&
          remove.mutate(
            { method: 'DELETE', path: `${WEBHOOKS_PATH}/${deleting.id}` },
            {
              onSuccess: () => {
                if (shown?.id === deleting.id) setShown(null);
                setDeleting(null);
              },
            },
          )
        }
      >
        <p>
          Delete the webhook to <code>{deleting?.url}</code>? Its secret is destroyed and its pending deliveries are cancelled.
        </p>
        <FormError error={remove.error} />
      </ConfirmDialog>
    </section>
  );
}

function DeliveryLog({ webhook }: { readonly webhook: WebhookView }) {
  const log = useApiQuery<Page<WebhookDeliveryView>>(`${WEBHOOKS_PATH}/${webhook.id}/deliveries?limit=100`, { refetchInterval: 10_000 });
  const columns: readonly Column<WebhookDeliveryView>[] = [
    { header: 'When', cell: (d) => formatDateTime(d.at) },
    { header: 'Event', cell: (d) => d.eventType },
    { header: 'Attempt', cell: (d) => d.attempt, numeric: true },
    { header: 'Status', cell: (d) => d.status },
    { header: 'Answer', cell: (d) => d.responseStatus ?? d.error ?? '—' },
  ];
  return (
    <QueryState loading={log.isPending} error={log.error}>
      <Table caption={`Deliveries to ${webhook.url}`} columns={columns} rows={log.data?.body.data ?? []} rowKey={(d) => `${d.eventId}#${d.attempt}`} empty="Nothing delivered yet." />
    </QueryState>
  );
}
