import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, REPO_ROOT } from '@switchboard/testing';
import { startMockTenantStack, stopMockTenantStack, type MockTenantStack } from '../e2e/fixtures/mock-tenant-stack.js';
import { run, type Finished } from './cli.process.js';

type Json = Record<string, unknown>;

/** `npx switchboard plan | apply | export` as a user runs it (the built bin) against a whole stack. */
const CLI = join(REPO_ROOT, 'libs/config-cli/bin/switchboard.js');
/** The provider key, given only by ${env:…}: it must never come out of the CLI or into an exported file. */
const CANARY = `sk-canary-${Date.now().toString(36)}-do-not-print`;
const HEADER_CANARY = `hdr-canary-${Date.now().toString(36)}-do-not-print`;

function tenantFile(endpoint: string, hook: string, supportBudget: number, withBatch = true): string {
  return `# yaml-language-server: $schema=${join(REPO_ROOT, 'libs/config-cli/schema/switchboard.schema.json')}
version: 1
providers:
  - name: openai-main
    type: openai
    endpoint: ${endpoint}
    auth:
      apiKey: \${env:SB_TEST_OPENAI_KEY}
    defaultModel: fast
    rateLimitRpm: 60
    monthlyBudgetUsd: 100
    models:
      - name: fast
        upstreamModel: gpt-4o-mini
        price: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 }
      - name: smart
        price: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25 }
  - name: internal
    type: custom
    endpoint: ${endpoint}
    auth:
      method: custom_headers
      headers:
        X-Api-Key: \${env:SB_TEST_HEADER_KEY}
        X-Team: \${file:team.txt}
    monthlyBudgetUsd: 50
    models:
      - name: local
        price: { inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 }
agents:
  - name: support
    provider: openai-main
    model: fast
    monthlyBudgetUsd: ${supportBudget}
${
  withBatch
    ? `  - name: batch
    provider: internal
    model: local
    delivery: direct
    monthlyBudgetUsd: 5
`
    : ''
}settings:
  unpricedModels: refuse
alerts:
  errorRatePct: 15
webhooks:
  - url: ${hook}
    events: [alert.raised, budget.exhausted]
`;
}

describe('npx switchboard plan | apply | export (real stack)', () => {
  let started: MockTenantStack;
  let fresh: ApiClient;
  let freshKey: string;
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  const outputs: Finished[] = [];
  let file: string;

  async function cli(args: string[], key: string, extraEnv: Json = {}): Promise<Finished> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SWITCHBOARD_URL: started.stack.gatewayUrl,
      SWITCHBOARD_KEY: key,
      SB_TEST_OPENAI_KEY: CANARY,
      SB_TEST_HEADER_KEY: HEADER_CANARY,
      ...(extraEnv as Record<string, string>),
    };
    delete env.NODE_OPTIONS;
    const finished = await run(process.execPath, [CLI, ...args], { cwd: dir, env });
    outputs.push(finished);
    return finished;
  }
  const adminKey = (): string => started.admin.defaultKey ?? '';
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const creations = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('+ create '));

  beforeAll(async () => {
    started = await startMockTenantStack('config-cli');
    const operator = new ApiClient(started.stack.gatewayUrl, started.stack.operatorKey);
    freshKey = (await operator.post<Json>('/v1/tenants', { name: 'config-cli-fresh' })).body.adminKey as string;
    fresh = new ApiClient(started.stack.gatewayUrl, freshKey);
    writeFileSync(join(dir, 'team.txt'), 'team-7\n');
    file = write('tenant.yaml', tenantFile(`${started.mock.baseUrl}/v1`, `${started.mock.baseUrl}/hook`, 10));
  }, 120_000);

  afterAll(async () => {
    await stopMockTenantStack(started);
    rmSync(dir, { recursive: true, force: true });
  });

  it('plan lists every creation and exits 2; apply makes them; plan and apply again change nothing', async () => {
    const planned = await cli(['plan', '-f', file], adminKey());
    expect([planned.code, planned.stderr]).toEqual([2, '']);
    expect(creations(planned.stdout)).toEqual([
      '+ create provider "openai-main"',
      '+ create provider "internal"',
      '+ create model "fast" of provider "openai-main"',
      '+ create model "smart" of provider "openai-main"',
      '+ create model "local" of provider "internal"',
      '+ create agent "support"',
      '+ create agent "batch"',
      '+ create webhook "' + `${started.mock.baseUrl}/hook"`,
    ]);
    expect(planned.stdout).toContain('~ update tenant settings: unpricedModels allow → refuse');

    const applied = await cli(['apply', '-f', file], adminKey());
    expect([applied.code, applied.stderr]).toEqual([0, '']);
    expect(applied.stdout).toContain('created agent "batch"');

    const providers = (await started.admin.get<{ data: Json[] }>('/v1/providers')).body.data;
    const main = providers.find((p) => p.name === 'openai-main');
    expect(main).toMatchObject({ rateLimitRpm: 60, monthlyBudgetUsd: 100, defaultModel: 'fast', authMethod: 'bearer' });
    expect(providers.find((p) => p.name === 'internal')).toMatchObject({ authMethod: 'custom_headers', type: 'custom' });
    const models = (await started.admin.get<{ data: Json[] }>(`/v1/providers/${main?.id as string}/models`)).body.data;
    expect(models.find((m) => m.name === 'fast')).toMatchObject({ upstreamModel: 'gpt-4o-mini', source: 'manual', price: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 } });
    const agents = (await started.admin.get<{ data: Json[] }>('/v1/agents')).body.data;
    expect(agents.map((a) => [a.name, a.monthlyBudgetUsd, a.delivery]).sort()).toEqual([
      ['batch', 5, 'direct'],
      ['support', 10, 'proxy'],
    ]);

    const again = await cli(['plan', '-f', file], adminKey());
    expect([again.code, again.stdout.trim()]).toEqual([0, 'No changes: the tenant matches the file.']);
    const reapplied = await cli(['apply', '-f', file], adminKey());
    expect([reapplied.code, reapplied.stdout.trim()]).toEqual([0, 'No changes: the tenant matches the file.']);
  });

  it('an edited budget plans exactly that field', async () => {
    write('tenant.yaml', tenantFile(`${started.mock.baseUrl}/v1`, `${started.mock.baseUrl}/hook`, 25));
    const planned = await cli(['plan', '-f', file], adminKey());
    expect([planned.code, planned.stdout.trim().split('\n')]).toEqual([2, ['~ update agent "support": monthlyBudgetUsd 10 → 25', '', 'Plan: 0 to create, 1 to update, 0 to delete.']]);
    expect((await cli(['apply', '-f', file], adminKey())).stdout).toContain('updated agent "support"');
    expect((await cli(['plan', '-f', file], adminKey())).code).toBe(0);
  });

  it('--prune deletes the agent the file no longer names', async () => {
    write('tenant.yaml', tenantFile(`${started.mock.baseUrl}/v1`, `${started.mock.baseUrl}/hook`, 25, false));
    const kept = await cli(['plan', '-f', file], adminKey());
    expect([kept.code, kept.stdout]).toEqual([0, expect.stringContaining('Not in the file and kept (apply --prune deletes them): agent "batch".')]);
    const pruned = await cli(['apply', '-f', file, '--prune'], adminKey());
    expect([pruned.code, pruned.stdout.trim().split('\n')]).toEqual([0, ['deleted agent "batch"', 'Applied: 1 change.']]);
    expect((await started.admin.get<{ data: Json[] }>('/v1/agents')).body.data.map((a) => a.name)).toEqual(['support']);
    expect((await cli(['plan', '-f', file, '--prune'], adminKey())).code).toBe(0);
  });

  it('export → apply into a fresh tenant → plan there finds nothing to do', async () => {
    const exported = await cli(['export', '-o', 'exported.yaml'], adminKey());
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    const text = readFileSync(join(dir, 'exported.yaml'), 'utf8');
    expect(text).toContain('apiKey: ${env:PROVIDER_OPENAI_MAIN_API_KEY}');
    expect(text).toContain('headers: ${env:PROVIDER_INTERNAL_HEADERS}');
    const placeholders = { PROVIDER_OPENAI_MAIN_API_KEY: 'sk-fresh-0123456789', PROVIDER_INTERNAL_HEADERS: JSON.stringify({ 'X-Api-Key': 'fresh-header-key' }) };
    const applied = await cli(['apply', '-f', 'exported.yaml'], freshKey, placeholders);
    expect([applied.code, applied.stderr]).toEqual([0, '']);
    const planned = await cli(['plan', '-f', 'exported.yaml', '--prune'], freshKey, placeholders);
    expect([planned.code, planned.stdout.trim()]).toEqual([0, 'No changes: the tenant matches the file.']);
    expect((await fresh.get<{ data: Json[] }>('/v1/agents')).body.data).toMatchObject([{ name: 'support', monthlyBudgetUsd: 25, model: 'fast' }]);

    // Pruning providers an agent the file does not manage still uses: the API refuses, apply stops and says why.
    const refused = await cli(['apply', '-f', write('no-providers.yaml', 'version: 1\nproviders: []\n'), '--prune'], freshKey);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('apply stopped at provider "openai-main": 409 provider_in_use');
    expect(refused.stderr).toContain('(0 of 2 changes made)');
    expect(refused.stderr).toContain('still used by agent "support": delete or move it first');
    expect((await fresh.get<{ data: Json[] }>('/v1/providers')).body.data).toHaveLength(2);
  });

  it('a file with a bad field names its line and applies nothing', async () => {
    const bad = tenantFile(`${started.mock.baseUrl}/v1`, `${started.mock.baseUrl}/hook`, 25)
      .replace('  - name: internal', '  - name: extra\n    type: anthropic\n  - name: internal')
      .replace('    delivery: direct', '    delivery: carrier-pigeon');
    const badLine = bad.split('\n').findIndex((l) => l.includes('carrier-pigeon')) + 1;
    const before = (await started.admin.get<{ data: Json[] }>('/v1/providers')).body.data.length;
    const refused = await cli(['apply', '-f', write('bad.yaml', bad)], adminKey());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`bad.yaml:${badLine}:15: agents[1].delivery must be one of "proxy", "direct"`);
    expect(refused.stderr).toContain('nothing was applied');
    expect((await started.admin.get<{ data: Json[] }>('/v1/providers')).body.data.length).toBe(before);
  });

  it('fallbacks: plan → apply → no change; a reordered list is a change; export round trip; prune deletes agents first', async () => {
    const endpoint = `${started.mock.baseUrl}/v1`;
    const spare = `  - name: spare\n    type: custom\n    endpoint: ${endpoint}\n    auth:\n      apiKey: \${env:SB_TEST_OPENAI_KEY}\n    models:\n      - name: backup\n        upstreamModel: gpt-mock\n`;
    const router = '  - name: router\n    provider: internal\n    model: local\n    fallbacks:\n      - { provider: spare, model: backup }\n';
    const withFallbacks = (targets: string[], withSpare = true): string =>
      tenantFile(endpoint, `${started.mock.baseUrl}/hook`, 25, false)
        .replace('agents:\n', `${withSpare ? spare : ''}agents:\n`)
        .replace('    monthlyBudgetUsd: 25\n', `    monthlyBudgetUsd: 25\n    fallbacks:\n${targets.map((t) => `      - ${t}\n`).join('')}${withSpare ? router : ''}`);
    const LOCAL = '{ provider: internal, model: local }';
    const SMART = '{ provider: openai-main, model: smart }';

    write('fallbacks.yaml', withFallbacks([LOCAL, SMART]));
    const planned = await cli(['plan', '-f', 'fallbacks.yaml'], adminKey());
    expect([planned.code, planned.stderr]).toEqual([2, '']);
    // The fallback's provider and model are made before the agent that names them.
    expect(planned.stdout.trim().split('\n').slice(0, 4)).toEqual([
      '+ create provider "spare"',
      '+ create model "backup" of provider "spare"',
      '~ update agent "support": fallbacks [] → [internal/local, openai-main/smart]',
      '+ create agent "router"',
    ]);
    const applied = await cli(['apply', '-f', 'fallbacks.yaml'], adminKey());
    expect([applied.code, applied.stderr]).toEqual([0, '']);
    const ids = new Map((await started.admin.get<{ data: Json[] }>('/v1/providers')).body.data.map((p) => [p.name as string, p.id as string]));
    const agentsNow = async () => new Map((await started.admin.get<{ data: Json[] }>('/v1/agents')).body.data.map((a) => [a.name as string, a]));
    expect((await agentsNow()).get('support')?.fallbacks).toEqual([
      { providerId: ids.get('internal'), model: 'local' },
      { providerId: ids.get('openai-main'), model: 'smart' },
    ]);
    expect((await agentsNow()).get('router')?.fallbacks).toEqual([{ providerId: ids.get('spare'), model: 'backup' }]);
    expect((await cli(['plan', '-f', 'fallbacks.yaml'], adminKey())).stdout.trim()).toBe('No changes: the tenant matches the file.');

    write('fallbacks.yaml', withFallbacks([SMART, LOCAL]));
    const reordered = await cli(['plan', '-f', 'fallbacks.yaml'], adminKey());
    expect([reordered.code, reordered.stdout.trim().split('\n')[0]]).toEqual([2, '~ update agent "support": fallbacks [internal/local, openai-main/smart] → [openai-main/smart, internal/local]']);
    const version = (await agentsNow()).get('support')?.version as number;
    expect((await cli(['apply', '-f', 'fallbacks.yaml'], adminKey())).stdout).toContain('updated agent "support"');
    expect((await agentsNow()).get('support')).toMatchObject({ version: version + 1, fallbacks: [{ model: 'smart' }, { model: 'local' }] });

    const exported = await cli(['export', '-o', 'fallbacks-exported.yaml'], adminKey());
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    const text = readFileSync(join(dir, 'fallbacks-exported.yaml'), 'utf8');
    expect(text).toContain('fallbacks:\n      - provider: openai-main\n        model: smart\n      - provider: internal\n        model: local\n');
    expect((await cli(['plan', '-f', 'fallbacks-exported.yaml', '--prune'], adminKey())).stdout.trim()).toBe('No changes: the tenant matches the file.');
    const placeholders = {
      PROVIDER_OPENAI_MAIN_API_KEY: 'sk-fresh-0123456789',
      PROVIDER_SPARE_API_KEY: 'sk-fresh-spare-0123456789',
      PROVIDER_INTERNAL_HEADERS: JSON.stringify({ 'X-Api-Key': 'fresh-header-key' }),
    };
    expect((await cli(['apply', '-f', 'fallbacks-exported.yaml'], freshKey, placeholders)).code).toBe(0);
    expect((await cli(['plan', '-f', 'fallbacks-exported.yaml', '--prune'], freshKey, placeholders)).stdout.trim()).toBe('No changes: the tenant matches the file.');
    const freshIds = new Map((await fresh.get<{ data: Json[] }>('/v1/providers')).body.data.map((p) => [p.name as string, p.id as string]));
    const freshRouter = (await fresh.get<{ data: Json[] }>('/v1/agents')).body.data.find((a) => a.name === 'router');
    expect(freshRouter?.fallbacks).toEqual([{ providerId: freshIds.get('spare'), model: 'backup' }]);

    // An unknown fallback model is named where the file says it, and nothing is applied.
    const bad = withFallbacks([SMART, '{ provider: internal, model: nowhere }']);
    const badLine = bad.split('\n').findIndex((l) => l.includes('model: nowhere')) + 1;
    const refused = await cli(['apply', '-f', write('bad-fallback.yaml', bad)], adminKey());
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining(`bad-fallback.yaml:${badLine}:38: agents[0].fallbacks[1].model names model "nowhere"`)]);
    expect(refused.stderr).toContain('nothing was applied');

    // Pruning a provider an agent falls back to: the agent goes first.
    write('fallbacks.yaml', withFallbacks([SMART, LOCAL], false));
    const pruned = await cli(['apply', '-f', 'fallbacks.yaml', '--prune'], adminKey());
    expect([pruned.code, pruned.stderr, pruned.stdout.trim().split('\n')]).toEqual([0, '', ['deleted agent "router"', 'deleted provider "spare"', 'Applied: 2 changes.']]);
  });

  it('never shows the keys it was given by reference', () => {
    expect(outputs.length).toBeGreaterThan(10);
    const everything = [...outputs.flatMap((o) => [o.stdout, o.stderr]), readFileSync(join(dir, 'exported.yaml'), 'utf8')].join('\n');
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(HEADER_CANARY);
    expect(everything).not.toContain('team-7');
  });
});
