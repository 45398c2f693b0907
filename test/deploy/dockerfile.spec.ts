import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defaultNodeArgsOf, SERVICE_V8_FLAGS, SERVICES } from '@switchboard/launcher';
import { REPO_ROOT } from '@switchboard/testing';
import { dockerfileProblems, dockerignoreProblems, inBuildContext, parseDockerfile } from './dockerfile.checks.js';

const read = (...path: string[]) => readFileSync(join(REPO_ROOT, ...path), 'utf8');
const filesUnder = (dir: string): string[] =>
  readdirSync(join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)));

describe('deploy/Dockerfile', () => {
  const text = read('deploy', 'Dockerfile');

  it('builds in stages from a pinned base, installs from the lock without scripts, ships dist/ only, runs as a numeric user, checks health with node', () => {
    expect(dockerfileProblems(text)).toEqual([]);
  });

  it('has the final stage run as 10001 and copy nothing but earlier stages and the health check script', () => {
    const final = parseDockerfile(text).stages.at(-1);
    expect(final?.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['10001:10001']);
    const copies = final?.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args) ?? [];
    expect(copies.every((c) => c.startsWith('--from=') || c.startsWith('deploy/docker/'))).toBe(true);
  });

  it('starts each service with the V8 flags and source maps the launcher gives it, SWITCHBOARD_SOURCE_MAPS honoured alike', () => {
    const cmd = parseDockerfile(text).stages.at(-1)?.instructions.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '';
    const script = (JSON.parse(cmd) as string[])[2] ?? '';
    expect(script).toContain('exec node ');
    for (const service of SERVICES) {
      for (const maps of [undefined, '1', '0', 'yes']) {
        const env = { SERVICE: service, ...(maps === undefined ? {} : { SWITCHBOARD_SOURCE_MAPS: maps }) };
        // The command line the image would run, printed instead of run.
        const line = execFileSync('sh', ['-c', script.replace('exec node ', 'echo ')], { env, encoding: 'utf8' }).trim().split(/\s+/);
        expect([service, maps, line]).toEqual([service, maps, [...SERVICE_V8_FLAGS[service], ...defaultNodeArgsOf(service, env), `apps/${service}/dist/main.js`]]);
      }
    }
    expect(defaultNodeArgsOf('gateway', {})).toEqual([]);
    expect(defaultNodeArgsOf('usage-service', {})).toEqual(['--enable-source-maps']);
  });

  it('comes with a .dockerignore that keeps specs, harnesses, secrets and local state out of the build context', () => {
    expect(dockerignoreProblems(read('.dockerignore'))).toEqual([]);
  });

  it('builds the web console in the build stage from files the build context lets in, so the gateway can serve it', () => {
    const build = parseDockerfile(text).stages.find((s) => s.name === 'build');
    const runs = build?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args) ?? [];
    expect(runs.some((r) => r.includes('tsc -p apps/console/tsconfig.json') && r.includes('vite build --config apps/console/vite.config.ts'))).toBe(true);
    const ignore = read('.dockerignore');
    const needed = ['apps/console/package.json', 'apps/console/tsconfig.json', 'apps/console/index.html', 'apps/console/vite.config.ts', ...filesUnder('apps/console/src')];
    expect(needed.filter((f) => !inBuildContext(ignore, f))).toEqual([]);
    for (const left of ['apps/console/README.md', 'apps/console/dist/index.html', 'test/console/providers.e2e.spec.ts', 'apps/gateway/src/console/console.static.int.spec.ts', 'libs/testing/src/stack.ts']) {
      expect([left, inBuildContext(ignore, left)]).toEqual([left, false]);
    }
  });
});

describe('the Dockerfile checks themselves', () => {
  it('refuse a single-stage image', () => {
    expect(dockerfileProblems('FROM node:20.20.2-bookworm-slim\nUSER 10001\n')).toEqual(['must be a multi-stage build (a build stage and a final stage)']);
  });

  it('refuse a deliberately broken Dockerfile', () => {
    const broken = read('test', 'deploy', 'fixtures', 'broken.Dockerfile');
    const twoStages = `${broken}\nFROM node:20-bookworm-slim\nCOPY libs libs\nUSER node\n`;
    const problems = dockerfileProblems(twoStages).join('\n');
    for (const rule of [
      'pin the base image',
      'install from the lock file with npm ci',
      'run npm ci with --ignore-scripts',
      'production dependencies only',
      'must be a numeric non-root uid',
      'only build outputs (--from)',
      'copies sources, specs or the test harness',
      'the test harness and specs stay out of the image',
      'needs a HEALTHCHECK',
      'CMD must start the app named by SERVICE',
    ]) {
      expect(problems).toContain(rule);
    }
  });

  it('refuse a .dockerignore that lets specs or secrets in', () => {
    expect(dockerignoreProblems('node_modules\n!deploy/secrets/x\n')).toEqual(
      expect.arrayContaining(['.dockerignore must exclude **/*.spec.ts', '.dockerignore must start by excluding everything (**)', '.dockerignore lets deploy/secrets/x in']),
    );
  });
});
