import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlertOps, BudgetOps, CredentialsOps, ProvidersOps, UsageOps, WebhookOps, WebhookSecretOps, type Operation } from '@switchboard/contracts';
import { loadUseCases, useCasesOf } from '@switchboard/messaging';

const APPS = new URL('../../apps/', import.meta.url);

/** Every use case is one folder: its handler registers itself, and no controller, module list or other file names it. */
describe('use cases register themselves', () => {
  /** Each service's catalogues, and the operations it answers otherwise (health; the proxy's budget admission, served straight on NATS). */
  const SERVICES: ReadonlyArray<{ app: string; catalogues: ReadonlyArray<Readonly<Record<string, Operation>>>; apart: readonly Operation[] }> = [
    { app: 'providers-service', catalogues: [ProvidersOps], apart: [ProvidersOps.health] },
    { app: 'credentials-service', catalogues: [CredentialsOps, WebhookSecretOps], apart: [CredentialsOps.health] },
    { app: 'usage-service', catalogues: [UsageOps, BudgetOps, AlertOps, WebhookOps], apart: [BudgetOps.reserve, BudgetOps.lease, BudgetOps.returnLease] },
  ];

  it.each(SERVICES)('$app answers every operation of its catalogues with exactly one use case', async ({ app, catalogues, apart }) => {
    await loadUseCases(new URL(`${app}/src/`, APPS));
    const served = catalogues.flatMap((ops) => useCasesOf(ops)).map((u) => u.op.subject);
    const expected = catalogues
      .flatMap((ops) => Object.values(ops))
      .map((op) => op.subject)
      .filter((subject) => !apart.some((op) => op.subject === subject));
    expect([...served].sort()).toEqual([...expected].sort());
    expect(new Set(served).size).toBe(served.length);
  });

  it.each(SERVICES)('$app names its handlers nowhere but in their own folders, and has no other bus controller', async ({ app }) => {
    const src = fileURLToPath(new URL(`${app}/src/`, APPS));
    const entries = await readdir(src, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
    expect(files.filter((f) => f.endsWith('.handler.ts')).length).toBeGreaterThan(5);
    for (const file of files.filter((f) => !f.endsWith('.handler.ts') && !f.endsWith('.spec.ts'))) {
      const text = await readFile(file, 'utf8');
      const found = { imports: text.match(/from '[^']*\.handler\.js'/g) ?? [], handles: text.match(/@HandleOperation\(/g) ?? [] };
      const allowed = file.endsWith(join('health', 'health.controller.ts')) ? 1 : 0;
      expect({ file, imports: found.imports, handles: found.handles.length }).toEqual({ file, imports: [], handles: allowed });
    }
  });

  it('the apps keep no fakes of other services in their production folders', async () => {
    for (const app of await readdir(APPS)) {
      const entries = await readdir(new URL(`${app}/src/`, APPS), { recursive: true }).catch(() => [] as string[]);
      expect({ app, testing: entries.filter((name) => /(^|\/)testing(\/|$)|fake-/.test(name)) }).toEqual({ app, testing: [] });
    }
  });
});
