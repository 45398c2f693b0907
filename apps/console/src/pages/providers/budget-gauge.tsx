import { useApiQuery } from '../../api/queries';
import { Gauge } from '../../ui';
import { providerPath, type BudgetView } from './provider.types';

/** The provider's budget this month: spent and reserved against the limit. */
export function ProviderBudget({ providerId, name }: { readonly providerId: string; readonly name: string }) {
  const budget = useApiQuery<BudgetView>(`${providerPath(providerId)}/budget`);
  if (budget.error) return <span className="muted">budget unavailable</span>;
  const view = budget.data?.body;
  if (view === undefined) return <span className="muted">…</span>;
  return <Gauge label={`Budget of ${name}`} spent={view.spentUsd} reserved={view.reservedUsd} limit={view.monthlyBudgetUsd} exhausted={view.exhausted} />;
}
