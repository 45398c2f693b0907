import { PageHeader } from '../../ui';
import { KeysPanel } from './keys.panel';
import { SecretsPanel } from './secrets.panel';
import '../agents/agents.css';
import '../budgets/budgets.css';

/** Access keys (shown once at creation, revoked here) and write-only secrets. */
export function KeysSection() {
  return (
    <>
      <PageHeader title="Keys and secrets" />
      <KeysPanel />
      <SecretsPanel />
    </>
  );
}
