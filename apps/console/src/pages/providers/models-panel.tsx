import { useEffect, useState } from 'react';
import { ApiError, api } from '../../api/client';
import { useApiMutation, useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, FormError, QueryState, Table, formatPrice, type Column } from '../../ui';
import { providerPath, type ModelTestResult, type ModelView, type Page, type ProviderView } from './provider.types';

type TestState = { readonly kind: 'running' } | { readonly kind: 'done'; readonly result: ModelTestResult } | { readonly kind: 'failed'; readonly message: string };

function TestOutcome({ state }: { readonly state: TestState | undefined }) {
  if (state === undefined) return null;
  if (state.kind === 'running') return <span className="muted">testing…</span>;
  if (state.kind === 'failed') return <span className="status status-rejected">{state.message}</span>;
  const { result } = state;
  return result.ok ? (
    <span className="status status-valid">OK · {Math.round(result.latencyMs)} ms</span>
  ) : (
    <span className="status status-rejected">
      Failed after {Math.round(result.latencyMs)} ms: {result.error?.message ?? 'the upstream did not answer'}
    </span>
  );
}

/** The provider's models with their source and price, and Test (admin) showing latency or the upstream's message. */
export function ModelsPanel({ provider }: { readonly provider: ProviderView }) {
  const { isAdmin } = useSession();
  const [tests, setTests] = useState<Readonly<Record<string, TestState>>>({});
  const modelsPath = `${providerPath(provider.id)}/models?limit=1000`;
  // Discovery runs in the background after a key is saved: look again until it has answered.
  const waiting = provider.credential !== null && provider.credentialStatus.state === 'unchecked';
  const models = useApiQuery<Page<ModelView>>(modelsPath, { refetchInterval: waiting ? 500 : false });
  const { refetch } = models;
  // The provider's own view (polled by the detail page) tells when discovery has stored models.
  useEffect(() => {
    void refetch();
  }, [provider.modelCount, provider.credentialStatus.state, refetch]);
  const discover = useApiMutation([providerPath(provider.id)]);

  async function test(model: ModelView) {
    setTests((t) => ({ ...t, [model.id]: { kind: 'running' } }));
    try {
      const answer = await api.post<ModelTestResult>(`/v1/models/${encodeURIComponent(model.id)}/test`);
      setTests((t) => ({ ...t, [model.id]: { kind: 'done', result: answer.body } }));
    } catch (error) {
      setTests((t) => ({ ...t, [model.id]: { kind: 'failed', message: error instanceof ApiError ? error.message : 'the test could not run' } }));
    }
  }

  const columns: Column<ModelView>[] = [
    { header: 'Model', cell: (m) => m.name },
    { header: 'Upstream model', cell: (m) => <code>{m.upstreamModel}</code> },
    { header: 'Source', cell: (m) => m.source },
    {
      header: 'Price (USD per 1M tokens, in / out)',
      cell: (m) => (m.price === null ? 'unpriced' : `${formatPrice(m.price.inputUsdPerMTok)} / ${formatPrice(m.price.outputUsdPerMTok)} (${m.price.source})`),
    },
  ];
  if (isAdmin) {
    columns.push({
      header: 'Test',
      cell: (m) => (
        <span className="test-cell">
          <Button onClick={() => void test(m)} busy={tests[m.id]?.kind === 'running'} aria-label={`Test ${m.name}`}>
            Test
          </Button>{' '}
          <TestOutcome state={tests[m.id]} />
        </span>
      ),
    });
  }
  return (
    <section className="panel" aria-labelledby="models-heading">
      <h2 id="models-heading">Models</h2>
      {isAdmin ? (
        <p>
          <Button onClick={() => discover.mutate({ method: 'POST', path: `${providerPath(provider.id)}/models:discover` })} busy={discover.isPending}>
            Discover models
          </Button>
        </p>
      ) : null}
      <FormError error={discover.error} />
      <QueryState loading={models.isPending} error={models.error}>
        <Table
          caption={`Models of ${provider.name}`}
          columns={columns}
          rows={models.data?.body.data ?? []}
          rowKey={(m) => m.id}
          empty={waiting ? 'Discovering the upstream’s models…' : 'No models. Discover them from the upstream, or check the credential.'}
        />
      </QueryState>
    </section>
  );
}
