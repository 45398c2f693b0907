import { PageHeader } from '../../ui';
import { AlertSettingsPanel } from './alert-settings.panel';
import { AlertsPanel } from './alerts.panel';
import { BudgetTables } from './budget-tables';
import { WebhooksPanel } from './webhooks.panel';
import '../agents/agents.css';
import './budgets.css';

/** Budgets of providers and agents, the alerts raised, their thresholds, and the webhooks that carry both to people. */
export function BudgetsSection() {
  return (
    <>
      <PageHeader title="Budgets and alerts" />
      <BudgetTables />
      <AlertsPanel />
      <AlertSettingsPanel />
      <WebhooksPanel />
    </>
  );
}
