import type { AgentView } from '@switchboard/contracts';
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { useApiMutation } from '../../api/queries';
import { Button, FormError, PageHeader, Select, TextInput, UsdInput, fieldError } from '../../ui';
import { AGENTS_PATH, useProviderModels, useProviders } from './agents.queries';
import { FALLBACK_FIELD, FallbacksEditor, fallbacksBody, type FallbackRow } from './fallbacks-editor';
import { budgetFromInput } from './usd-input';

const FIELDS = ['name', 'providerId', 'model', 'delivery', 'monthlyBudgetUsd', FALLBACK_FIELD] as const;

const DELIVERY_OPTIONS = [
  { value: 'proxy', label: 'Proxy — calls go through Switchboard with an agent key' },
  { value: 'direct', label: 'Direct — the agent gets the provider’s credential' },
];

/** Create an agent: a provider and one of its models picked from the API, a delivery mode, an optional budget and fallbacks. */
export function NewAgentPage() {
  const [, navigate] = useLocation();
  const providers = useProviders(true);
  const [name, setName] = useState('');
  const [providerId, setProviderId] = useState('');
  const [model, setModel] = useState('');
  const [delivery, setDelivery] = useState('proxy');
  const [budget, setBudget] = useState('');
  const [fallbacks, setFallbacks] = useState<FallbackRow[]>([]);
  const models = useProviderModels(providerId);
  const create = useApiMutation<AgentView>([AGENTS_PATH]);

  const provider = providers.data?.body.data.find((p) => p.id === providerId);
  const providerOptions = [
    { value: '', label: providers.isPending ? 'Loading providers…' : 'Choose a provider' },
    ...(providers.data?.body.data ?? []).map((p) => ({ value: p.id, label: `${p.name} (${p.type})` })),
  ];
  const modelOptions = [
    { value: '', label: provider?.defaultModel ? `Provider’s default (${provider.defaultModel})` : 'Provider’s default' },
    ...(models.data?.body.data ?? []).map((m) => ({ value: m.name, label: m.name === m.upstreamModel ? m.name : `${m.name} → ${m.upstreamModel}` })),
  ];

  function submit(event: FormEvent) {
    event.preventDefault();
    const monthlyBudgetUsd = budgetFromInput(budget);
    create.mutate(
      {
        method: 'POST',
        path: AGENTS_PATH,
        body: {
          name,
          providerId,
          delivery,
          ...(model === '' ? {} : { model }),
          ...(monthlyBudgetUsd === null ? {} : { monthlyBudgetUsd }),
          ...(fallbacks.length === 0 ? {} : { fallbacks: fallbacksBody(fallbacks) }),
        },
      },
      { onSuccess: (created) => navigate(`/${created.body.id}`) },
    );
  }

  return (
    <>
      <PageHeader title="New agent" actions={<Link href="/">Back to agents</Link>} />
      <form onSubmit={submit} noValidate aria-label="New agent">
        <TextInput label="Name" value={name} onChange={setName} error={fieldError(create.error, 'name')} required />
        <Select
          label="Provider"
          value={providerId}
          onChange={(next) => {
            setProviderId(next);
            setModel('');
          }}
          options={providerOptions}
          error={fieldError(create.error, 'providerId') ?? (providers.error ? providers.error.message : null)}
        />
        <Select
          label="Model"
          value={model}
          onChange={setModel}
          options={modelOptions}
          disabled={providerId === ''}
          error={fieldError(create.error, 'model') ?? (models.error ? models.error.message : null)}
          hint={providerId === '' ? 'Choose a provider first.' : models.isPending ? 'Loading models…' : undefined}
        />
        <Select label="Delivery" value={delivery} onChange={setDelivery} options={DELIVERY_OPTIONS} error={fieldError(create.error, 'delivery')} />
        <UsdInput
          label="Monthly budget (USD)"
          value={budget}
          onChange={setBudget}
          error={fieldError(create.error, 'monthlyBudgetUsd')}
          hint="Optional: what this agent may spend per calendar month (UTC), beside its provider’s budget."
        />
        <FallbacksEditor rows={fallbacks} onChange={setFallbacks} providers={providers.data?.body.data ?? []} error={create.error} />
        <FormError error={create.error} fields={FIELDS} />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={create.isPending}>
            Create agent
          </Button>
        </div>
      </form>
    </>
  );
}
