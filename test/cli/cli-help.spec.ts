import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@switchboard/testing';
import { nowhereEnvironment, run, type Finished } from './cli.process.js';

/** Every command the project ships, as a user runs it (built output). */
const CLIS: Readonly<Record<string, readonly [string, string]>> = {
  gateway: ['node', 'apps/gateway/dist/main.js'],
  'providers-service': ['node', 'apps/providers-service/dist/main.js'],
  'credentials-service': ['node', 'apps/credentials-service/dist/main.js'],
  'usage-service': ['node', 'apps/usage-service/dist/main.js'],
  'rebuild-read-models': ['node', 'apps/providers-service/dist/rebuild-read-models.js'],
  'rebuild-usage': ['node', 'apps/usage-service/dist/rebuild-usage.js'],
  'rewrap-keys': ['node', 'apps/credentials-service/dist/rewrap-keys.js'],
  'verify-shredding': ['node', 'apps/credentials-service/dist/verify-shredding.js'],
  'service-keys': ['node', 'libs/service-identity/dist/service-keys.cli.js'],
  'orchestrator example': ['node', 'libs/orchestrator-client/dist/example.js'],
  launcher: ['node', 'libs/launcher/dist/start.js'],
  'kms-emulator': ['node', 'libs/testing/dist/kms-emulator.js'],
  'mock-llm': ['node', 'libs/testing/dist/mock-llm/main.js'],
  switchboard: ['node', 'libs/config-cli/bin/switchboard.js'],
  'start.sh': ['bash', 'scripts/start.sh'],
  'test.sh': ['bash', 'scripts/test.sh'],
  'ensure-services.sh': ['bash', 'scripts/ensure-services.sh'],
  'nats-permissions.mjs': ['node', 'scripts/nats-permissions.mjs'],
  'test-totals.mjs': ['node', 'scripts/test-totals.mjs'],
};

const sourceOf = (built: string): string => built.replace('/dist/', '/src/').replace(/\.js$/, '.ts');

describe('every CLI answers --help', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sb-cli-help-'));
  const stateDir = join(cwd, 'state');
  const env = nowhereEnvironment({ SWITCHBOARD_STATE_DIR: stateDir, SWITCHBOARD_PORT: '1', SWITCHBOARD_DEMO_MOCK_PORT: '1' });
  const results = new Map<string, { help: Finished; shortHelp: Finished | null; unknown: Finished }>();
  // -h is the same option as --help; checked where a run is cheap (the services load their framework first).
  const services = new Set(['gateway', 'providers-service', 'credentials-service', 'usage-service']);

  beforeAll(async () => {
    const queue = Object.entries(CLIS);
    // A few at a time: each service entry point loads its whole framework before reading its arguments.
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [name, [interpreter, path]] = next;
        const command = (arg: string) => run(interpreter === 'node' ? process.execPath : interpreter, [join(REPO_ROOT, path), arg], { cwd, env });
        const help = await command('--help');
        const shortHelp = services.has(name) ? null : await command('-h');
        results.set(name, { help, shortHelp, unknown: await command('--no-such-option') });
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }, 120_000);

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  function resultOf(name: string): { help: Finished; shortHelp: Finished | null; unknown: Finished } {
    const result = results.get(name);
    if (!result) throw new Error(`${name} did not run`);
    return result;
  }

  it('lists every entry point of apps/*/src and every script', () => {
    const listed = new Set(Object.values(CLIS).map(([, path]) => (path.startsWith('apps/') ? sourceOf(path) : path)));
    // An entry point exports nothing; every other top-level file of an app is a module.
    const entryPoints = readdirSync(join(REPO_ROOT, 'apps')).flatMap((app) =>
      readdirSync(join(REPO_ROOT, 'apps', app, 'src'))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
        .map((f) => `apps/${app}/src/${f}`)
        .filter((f) => !/^export /m.test(readFileSync(join(REPO_ROOT, f), 'utf8'))),
    );
    const scripts = readdirSync(join(REPO_ROOT, 'scripts')).map((f) => `scripts/${f}`);
    expect([...entryPoints, ...scripts].filter((f) => !listed.has(f))).toEqual([]);
  });

  it.each(Object.keys(CLIS))('%s --help prints its usage and exits 0', (name) => {
    const { help, shortHelp } = resultOf(name);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^usage: /m);
    if (shortHelp) expect([shortHelp.code, shortHelp.stdout]).toEqual([0, help.stdout]);
  });

  it.each(Object.keys(CLIS))('%s refuses an unknown option with exit code 2', (name) => {
    const { unknown } = resultOf(name);
    expect(unknown.code).toBe(2);
    expect(`${unknown.stderr}${unknown.stdout}`).toContain('--no-such-option');
  });

  it('did nothing: no file in the working directory, no state directory', () => {
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('nats-permissions.mjs --help leaves deploy/nats/permissions.conf alone', async () => {
    const file = join(REPO_ROOT, 'deploy', 'nats', 'permissions.conf');
    const before = statSync(file).mtimeMs;
    expect((await run(process.execPath, [join(REPO_ROOT, 'scripts', 'nats-permissions.mjs'), '--help'], { cwd, env })).code).toBe(0);
    expect(statSync(file).mtimeMs).toBe(before);
  });
});
