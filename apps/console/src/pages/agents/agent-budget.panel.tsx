import type { AgentView } from '@switchboard/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ApiResponse } from '../../api/client';
import { queryKeyOf, useApiMutation } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, FormError, Gauge, QueryState, UsdInput, fieldError } from '../../ui';
import { AGENTS_PATH, useBudget } from './agents.queries';
import { budgetFromInput, budgetToInput } from './usd-input';

/** A budget's gauge from GET …/budget: spent and reserved against the monthly limit. */
export function BudgetGauge({ scope, id, label }: { readonly scope: 'agent' | 'provider'; readonly id: string; readonly label: string }) {
  const budget = useBudget(scope, id);
  const b = budget.data?.body;
  return (
    <QueryState loading={budget.isPending} error={budget.error}>
      {b ? <Gauge label={label} spent={b.spentUsd} reserved={b.reservedUsd} limit={b.monthlyBudgetUsd} exhausted={b.exhausted} /> : null}
    </QueryState>
  );
}

/** The agent's own monthly budget and its provider's, with the agent's limit editable by admins. */
export function AgentBudgetPanel({ agent, providerName }: { readonly agent: ApiResponse<AgentView>; readonly providerName: string }) {
  const { isAdmin } = useSession();
  const view = agent.body;
  return (
    <section className="panel" aria-labelledby="agent-budget-heading">
      <h2 id="agent-budget-heading">Budget this month</h2>
      <div className="budget-pair">
        <div>
          <h3>This agent</h3>
          <BudgetGauge scope="agent" id={view.id} label={`Budget of agent ${view.name}`} />
        </div>
        <div>
          <h3>Provider {providerName}</h3>
          <BudgetGauge scope="provider" id={view.providerId} label={`Budget of provider ${providerName}`} />
        </div>
      </div>
      {isAdmin ? <AgentBudgetForm key={view.id} agent={agent} /> : null}
    </section>
  );
}

function AgentBudgetForm({ agent }: { readonly agent: ApiResponse<AgentView> }) {
  const [budget, setBudget] = useState(budgetToInput(agent.body.monthlyBudgetUsd));
  const path = `${AGENTS_PATH}/${agent.body.id}`;
  const save = useApiMutation<AgentView>([path, AGENTS_PATH]);
  const queryClient = useQueryClient();
  const reload = () => {
    save.reset();
    void queryClient.invalidateQueries({ queryKey: queryKeyOf(path) });
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ method: 'PATCH', path, body: { monthlyBudgetUsd: budgetFromInput(budget) }, ifMatch: agent.etag });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Agent budget">
      <UsdInput
        label="Monthly budget (USD)"
        value={budget}
        onChange={setBudget}
        error={fieldError(save.error, 'monthlyBudgetUsd')}
        hint="Empty: no budget of the agent’s own (its provider’s still applies). Calls past it are refused with 429."
      />
      <FormError error={save.error} fields={['monthlyBudgetUsd']} onReload={reload} />
      {save.isSuccess ? (
        <p className="notice" role="status">
          Budget saved.
        </p>
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save
        </Button>
      </div>
    </form>
  );
}
