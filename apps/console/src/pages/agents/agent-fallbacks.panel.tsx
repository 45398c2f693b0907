import type { AgentView } from '@switchboard/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import type { ApiResponse } from '../../api/client';
import { queryKeyOf, useApiMutation } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, FormError } from '../../ui';
import { AGENTS_PATH, useProviders } from './agents.queries';
import { FALLBACK_FIELD, FallbacksEditor, fallbackRows, fallbacksBody, type FallbackRow } from './fallbacks-editor';

/** Where the agent's calls go when its provider fails: the list for members, the editor for admins. */
export function AgentFallbacksPanel({ agent, providerName }: { readonly agent: ApiResponse<AgentView>; readonly providerName: (id: string) => string }) {
  const { isAdmin } = useSession();
  const { fallbacks } = agent.body;
  return (
    <section className="panel" aria-labelledby="agent-fallbacks-heading">
      <h2 id="agent-fallbacks-heading">Fallbacks</h2>
      {isAdmin ? (
        <AgentFallbacksForm key={agent.body.id} agent={agent} />
      ) : fallbacks.length === 0 ? (
        <p className="muted">No fallbacks: a call its provider fails is answered with that failure.</p>
      ) : (
        <ol className="fallback-list" aria-label="Fallbacks in order">
          {fallbacks.map((f, i) => (
            <li key={i}>
              <Link href={`~/providers/${f.providerId}`}>{providerName(f.providerId)}</Link> · {f.model}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function AgentFallbacksForm({ agent }: { readonly agent: ApiResponse<AgentView> }) {
  const [rows, setRows] = useState<FallbackRow[]>(() => fallbackRows(agent.body.fallbacks));
  const providers = useProviders(true);
  const path = `${AGENTS_PATH}/${agent.body.id}`;
  const save = useApiMutation<AgentView>([path, AGENTS_PATH]);
  const queryClient = useQueryClient();
  const reload = () => {
    save.reset();
    void queryClient.invalidateQueries({ queryKey: queryKeyOf(path) }).then(() => {
      const fresh = queryClient.getQueryData<ApiResponse<AgentView>>(queryKeyOf(path));
      if (fresh) setRows(fallbackRows(fresh.body.fallbacks));
    });
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ method: 'PATCH', path, body: { fallbacks: fallbacksBody(rows) }, ifMatch: agent.etag });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Agent fallbacks">
      <FallbacksEditor
        rows={rows}
        onChange={(next) => {
          setRows(next);
          if (save.isSuccess) save.reset();
        }}
        providers={providers.data?.body.data ?? []}
        error={save.error}
        framed={false}
      />
      <FormError error={save.error} fields={[FALLBACK_FIELD]} onReload={reload} />
      {save.isSuccess ? (
        <p className="notice" role="status">
          Fallbacks saved.
        </p>
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save fallbacks
        </Button>
      </div>
    </form>
  );
}
