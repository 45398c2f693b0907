import { useState } from 'react';
import { useLocation } from 'wouter';
import { useApiQuery } from '../../api/queries';
import { PageHeader, QueryState } from '../../ui';
import { ProviderForm } from './provider-form';
import { providerPath, type ProviderView } from './provider.types';

export function ProviderCreatePage() {
  const [, navigate] = useLocation();
  return (
    <>
      <PageHeader title="New provider" />
      <ProviderForm onSaved={(p) => navigate(`/${p.id}`)} onCancel={() => navigate('/')} />
    </>
  );
}

/** Edits the version it loaded (If-Match); a conflict offers to reload, which starts the form again from the new version. */
export function ProviderEditPage({ id }: { readonly id: string }) {
  const [, navigate] = useLocation();
  // Read afresh when the form opens (not from the detail page's cache), then held: its ETag is what the edit is of.
  const query = useApiQuery<ProviderView>(providerPath(id), { refetchOnMount: 'always', refetchOnWindowFocus: false, refetchInterval: false, staleTime: Infinity });
  const [generation, setGeneration] = useState(0);
  const provider = query.data?.body;
  const reload = () => {
    void query.refetch().then(() => setGeneration((g) => g + 1));
  };
  return (
    <>
      <PageHeader title={provider ? `Edit ${provider.name}` : 'Edit provider'} />
      <QueryState loading={query.isPending || !query.isFetchedAfterMount} error={query.error}>
        {provider ? (
          <ProviderForm
            key={`${provider.version}-${generation}`}
            provider={provider}
            etag={query.data?.etag ?? null}
            onSaved={() => navigate(`/${id}`)}
            onCancel={() => navigate(`/${id}`)}
            onReload={reload}
          />
        ) : null}
      </QueryState>
    </>
  );
}
