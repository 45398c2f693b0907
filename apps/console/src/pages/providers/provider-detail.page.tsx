import { useState } from 'react';
import { useLocation } from 'wouter';
import { useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, PageHeader, QueryState, formatDateTime, formatInt } from '../../ui';
import { ProviderBudget } from './budget-gauge';
import { CircuitBadge } from './circuit-badge';
import { CredentialPanel } from './credential-panel';
import { DeleteProviderDialog } from './delete-provider-dialog';
import { HistoryPanel } from './history-panel';
import { ModelsPanel } from './models-panel';
import { providerPath, type ProviderView } from './provider.types';

/** One provider: its settings, credential, budget, models and history; Edit and Delete for admins. */
export function ProviderDetailPage({ id }: { readonly id: string }) {
  const { isAdmin } = useSession();
  const [, navigate] = useLocation();
  const [deleting, setDeleting] = useState(false);
  // While discovery has not answered for a new key, look again twice a second (for half a minute at most: an
  // endpoint that was refused before any call stays unchecked).
  const query = useApiQuery<ProviderView>(providerPath(id), {
    refetchInterval: (q) => {
      const view = q.state.data?.body;
      return view?.credential && view.credentialStatus.state === 'unchecked' && q.state.dataUpdateCount < 60 ? 500 : false;
    },
  });
  const provider = query.data?.body;
  const etag = query.data?.etag ?? null;
  return (
    <>
      <PageHeader
        title={provider ? provider.name : 'Provider'}
        actions={
          isAdmin && provider ? (
            <>
              <Button onClick={() => navigate(`/${id}/edit`)}>Edit</Button>
              <Button variant="danger" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            </>
          ) : null
        }
      />
      {/* A failed refresh keeps showing the provider as last loaded; only a failed first load replaces it. */}
      <QueryState loading={query.isPending} error={provider ? null : query.error}>
        {provider ? (
          <>
            <section className="panel" aria-labelledby="settings-heading">
              <h2 id="settings-heading">Settings</h2>
              <dl className="facts">
                <dt>Type</dt>
                <dd>{provider.type}</dd>
                <dt>Endpoint</dt>
                <dd>
                  <code>{provider.endpoint}</code>
                </dd>
                <dt>Protocol</dt>
                <dd>{provider.protocol}</dd>
                {provider.organizationId ? (
                  <>
                    <dt>Organization ID</dt>
                    <dd>{provider.organizationId}</dd>
                  </>
                ) : null}
                <dt>Default model</dt>
                <dd>{provider.defaultModel ?? '—'}</dd>
                <dt>Rate limit (RPM)</dt>
                <dd>{provider.rateLimitRpm === null ? 'no limit' : formatInt(provider.rateLimitRpm)}</dd>
                <dt>Monthly budget</dt>
                <dd>
                  <ProviderBudget providerId={provider.id} name={provider.name} />
                </dd>
                <dt>Models</dt>
                <dd>{formatInt(provider.modelCount)}</dd>
                {provider.circuit ? (
                  <>
                    <dt>Circuit</dt>
                    <dd>
                      <CircuitBadge circuit={provider.circuit} />
                    </dd>
                  </>
                ) : null}
                <dt>Version</dt>
                <dd>
                  {provider.version} (updated {formatDateTime(provider.updatedAt)})
                </dd>
              </dl>
            </section>
            <CredentialPanel provider={provider} etag={etag} onReload={() => void query.refetch()} />
            <ModelsPanel provider={provider} />
            <HistoryPanel providerId={provider.id} version={provider.version} />
            {deleting ? <DeleteProviderDialog provider={provider} onClose={() => setDeleting(false)} onDeleted={() => navigate('/', { replace: true })} /> : null}
          </>
        ) : null}
      </QueryState>
    </>
  );
}
