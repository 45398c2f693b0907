import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '@switchboard/testing';

/** The architecture rules are lint rules; these cases prove they really fire (a skipped rule passes silently). */
describe('module boundaries', () => {
  let eslint: ESLint;

  beforeAll(() => {
    // The Nx rule reads the cached project graph; without one it skips itself with only a warning.
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
    eslint = new ESLint({ cwd: REPO_ROOT });
  });

  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, file) });
    const messages = result.messages.map((m) => `${m.ruleId}: ${m.message}`);
    expect(messages.join('\n')).not.toContain('No cached ProjectGraph');
    return messages.filter((m) => m.startsWith('@nx/enforce-module-boundaries'));
  }

  it('forbids framework and driver imports in domain code', async () => {
    for (const pkg of ['@nestjs/common', 'typeorm', 'pg', '@nats-io/transport-node']) {
      const errors = await boundaryErrors('libs/providers-domain/src/probe.ts', `import * as x from '${pkg}';\nexport const y = x;\n`);
      expect([pkg, errors.length]).toEqual([pkg, 1]);
    }
  });

  it('forbids an app importing another app', async () => {
    const errors = await boundaryErrors(
      'apps/gateway/src/probe.ts',
      `import * as x from '@switchboard/providers-service';\nexport const y = x;\n`,
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('forbids domain code importing infrastructure libraries', async () => {
    const errors = await boundaryErrors(
      'libs/providers-domain/src/probe.ts',
      `import * as x from '@switchboard/event-store';\nexport const y = x;\n`,
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('lets an app use its own scope and the shared libraries', async () => {
    const errors = await boundaryErrors(
      'apps/providers-service/src/probe.ts',
      `import * as a from '@switchboard/providers-domain';\nimport * as b from '@switchboard/event-store';\nexport const y = [a, b];\n`,
    );
    expect(errors).toEqual([]);
  });

  it('lets the browser console share the contracts and nothing server-side', async () => {
    const file = 'apps/console/src/probe.ts';
    expect(await boundaryErrors(file, `import type { ProviderView } from '@switchboard/contracts';\nexport type P = ProviderView;\n`)).toEqual([]);
    for (const pkg of ['@switchboard/messaging', '@switchboard/upstream', '@nestjs/common', 'fastify']) {
      const errors = await boundaryErrors(file, `import * as x from '${pkg}';\nexport const y = x;\n`);
      expect([pkg, errors.length > 0]).toEqual([pkg, true]);
    }
    const [builtin] = await eslint.lintText(`import * as fs from 'node:fs';\nexport const y = fs;\n`, { filePath: join(REPO_ROOT, file) });
    expect(builtin.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
  });
});
