import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../../api/client';
import { queryKeyOf } from '../../api/queries';
import { ConfirmDialog } from '../../ui';
import { providerPath, type AgentSummary, type ModelView, type Page, type ProviderDependentsView, type ProviderView } from './provider.types';

type Step =
  | { readonly kind: 'checking' }
  | { readonly kind: 'blocked'; readonly agents: readonly string[] }
  | { readonly kind: 'ready'; readonly models: readonly string[]; readonly etag: string | null }
  | { readonly kind: 'deleting'; readonly models: readonly string[]; readonly etag: string | null }
  | { readonly kind: 'failed'; readonly message: string };

/** Agent and model names for the ids a dry run lists (ids where a name cannot be found). */
async function namesOf(provider: ProviderView, dependents: ProviderDependentsView): Promise<{ agents: string[]; models: string[] }> {
  const [agents, models] = await Promise.all([
    dependents.agents.length === 0 ? null : api.get<Page<AgentSummary>>('/v1/agents?limit=1000').catch(() => null),
    dependents.models.length === 0 ? null : api.get<Page<ModelView>>(`${providerPath(provider.id)}/models?limit=1000`).catch(() => null),
  ]);
  const agentName = new Map(agents?.body.data.map((a) => [a.id, a.name]) ?? []);
  const modelName = new Map(models?.body.data.map((m) => [m.id, m.name]) ?? []);
  return {
    agents: dependents.agents.map((id) => (agentName.has(id) ? `${agentName.get(id)} (${id})` : id)),
    models: dependents.models.map((id) => modelName.get(id) ?? id),
  };
}

function dependentsOf(error: unknown): ProviderDependentsView | null {
  const dependents = error instanceof ApiError ? (error.dependents as Partial<ProviderDependentsView> | undefined) : undefined;
  return dependents && Array.isArray(dependents.agents) ? { agents: dependents.agents, models: dependents.models ?? [] } : null;
}

/**
 * Shows what depends on the provider first (a dry run), refuses while agents use it, then deletes with If-Match at
 * the version read with the preview: a provider changed since the preview is not deleted unseen.
 */
export function DeleteProviderDialog({ provider, onDeleted, onClose }: { readonly provider: ProviderView; readonly onDeleted: () => void; readonly onClose: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'checking' });
  const queryClient = useQueryClient();

  useEffect(() => {
    let live = true;
    const path = providerPath(provider.id);
    // The version first: anything that changes after it makes the delete a 412, never a surprise.
    api
      .get<ProviderView>(path)
      .then(async (current) => {
        const preview = await api.delete<{ dependents: ProviderDependentsView }>(`${path}?dryRun=true`);
        return { etag: current.etag, names: await namesOf(provider, preview.body.dependents) };
      })
      .then(({ etag, names }) => {
        if (live) setStep(names.agents.length > 0 ? { kind: 'blocked', agents: names.agents } : { kind: 'ready', models: names.models, etag });
      })
      .catch((error: unknown) => {
        if (live) setStep({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      live = false;
    };
  }, [provider]);

  async function remove(models: readonly string[], etag: string | null) {
    setStep({ kind: 'deleting', models, etag });
    try {
      await api.delete(providerPath(provider.id), { ifMatch: etag });
      // Leave the page first, so nothing asks for the provider that is gone.
      onDeleted();
      queryClient.removeQueries({ queryKey: queryKeyOf(providerPath(provider.id)) });
      await queryClient.invalidateQueries({ queryKey: queryKeyOf('/v1/providers') });
    } catch (error) {
      const dependents = dependentsOf(error);
      if (dependents !== null && dependents.agents.length > 0) setStep({ kind: 'blocked', agents: (await namesOf(provider, dependents)).agents });
      else setStep({ kind: 'failed', message: error instanceof ApiError && error.isConflict ? 'Changed by someone else since the preview — reload, then delete again to see what it takes with it.' : error instanceof Error ? error.message : String(error) });
    }
  }

  const models = step.kind === 'ready' || step.kind === 'deleting' ? step.models : [];
  const etag = step.kind === 'ready' || step.kind === 'deleting' ? step.etag : null;
  return (
    <ConfirmDialog
      open
      title={`Delete ${provider.name}?`}
      confirmLabel="Delete"
      danger
      busy={step.kind === 'deleting'}
      canConfirm={step.kind === 'ready' || step.kind === 'deleting'}
      onConfirm={() => void remove(models, etag)}
      onCancel={onClose}
      cancelLabel={step.kind === 'blocked' || step.kind === 'failed' ? 'Close' : 'Cancel'}
    >
      {step.kind === 'checking' ? <p>Checking what uses this provider…</p> : null}
      {step.kind === 'blocked' ? (
        <div role="alert">
          <p>
            <strong>It cannot be deleted while agents use it.</strong> Move or delete these agents first:
          </p>
          <ul aria-label="Agents using this provider">
            {step.agents.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {step.kind === 'ready' || step.kind === 'deleting' ? (
        <>
          <p>No agent uses it. {models.length === 0 ? 'It has no models.' : `Its ${models.length} model${models.length === 1 ? '' : 's'} will be deleted with it:`}</p>
          {models.length > 0 ? (
            <ul aria-label="Models deleted with it">
              {models.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
      {step.kind === 'failed' ? (
        <p className="form-error" role="alert">
          {step.message}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
