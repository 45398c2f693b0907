/** One instruction of a Dockerfile: continuation lines joined, comments dropped. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

/** Splits a Dockerfile into stages (the ARGs before the first FROM resolve base image names). */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const args: Record<string, string> = {};
  const stages: { from: string; name: string | null; instructions: Instruction[] }[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.replace(/\s+/g, ' ').trim() };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.replace(/--platform=\S+\s*/, '').split(' ');
      const resolved = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => args[arg] ?? '');
      stages.push({ from: resolved, name: as?.toUpperCase() === 'AS' ? (name ?? null) : null, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [arg = '', value = ''] = instruction.args.split('=');
      args[arg] = value;
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const SOURCES = /(^|\s|\/)(libs|apps)(\/[^\s]*)?\/src\b|\.spec\.ts|libs\/testing|(^|\s)(libs|apps|test)(\s|\/?$)|tsconfig/;

/** What the image must be: multi-stage, locked install without scripts, dist/ and manifests only, numeric user, health check. */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const { stages } = parseDockerfile(text);
  const final = stages[stages.length - 1];
  if (stages.length < 2 || final === undefined) return ['must be a multi-stage build (a build stage and a final stage)'];
  for (const stage of stages) {
    if (!/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$/.test(stage.from)) {
      problems.push(`FROM ${stage.from || '(empty)'}: pin the base image by version tag (x.y.z) or digest`);
    }
  }
  const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args));
  const installs = runs.flatMap((r) => r.match(/npm (ci|install|i)\b[^&;|]*/g) ?? []);
  if (installs.length === 0) problems.push('must install with npm ci');
  for (const install of installs) {
    if (!install.startsWith('npm ci')) problems.push(`"${install.trim()}": install from the lock file with npm ci`);
    if (!install.includes('--ignore-scripts')) problems.push(`"${install.trim()}": run npm ci with --ignore-scripts`);
  }
  if (!installs.some((i) => /--omit=dev|--production/.test(i))) problems.push('the final stage must get production dependencies only (npm ci --omit=dev)');
  const user = [...final.instructions].reverse().find((i) => i.keyword === 'USER')?.args;
  if (!user || !/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`final stage USER ${user ?? '(none)'}: must be a numeric non-root uid (e.g. 10001:10001)`);
  for (const copy of final.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
    const fromStage = /--from=\S+/.test(copy.args);
    const sources = copy.args.replace(/--\S+/g, '').trim().split(' ').slice(0, -1).join(' ');
    if (!fromStage && !/^deploy\/docker\//.test(sources)) problems.push(`final stage ${copy.keyword} ${copy.args}: only build outputs (--from) and deploy/docker/ files`);
    if (SOURCES.test(sources)) problems.push(`final stage ${copy.keyword} ${copy.args}: copies sources, specs or the test harness`);
  }
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      if (/libs\/testing|\.spec\.ts|(^|\s)test(\/|\s)/.test(copy.args)) problems.push(`${copy.keyword} ${copy.args}: the test harness and specs stay out of the image`);
    }
  }
  const health = final.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (!health) problems.push('final stage needs a HEALTHCHECK');
  else if (!/CMD\s+\[?\s*"?node\b/.test(health.args)) problems.push('HEALTHCHECK must run node (slim images have no curl)');
  if (!final.instructions.some((i) => i.keyword === 'CMD' && i.args.includes('SERVICE'))) problems.push('CMD must start the app named by SERVICE');
  return problems;
}

/** Patterns .dockerignore must hold so that specs, harnesses and local state never reach the build context. */
export function dockerignoreProblems(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const required = ['**/*.spec.ts', 'libs/testing/src/**', '**/src/testing/**'];
  const problems = required.filter((p) => !lines.includes(p)).map((p) => `.dockerignore must exclude ${p}`);
  // Everything is excluded first and only what the build needs is let back in.
  if (lines.find((l) => l !== '' && !l.startsWith('#')) !== '**') problems.push('.dockerignore must start by excluding everything (**)');
  for (const l of lines.filter((l) => l.startsWith('!'))) {
    if (/test\/|node_modules|dist|\.switchboard|secrets|\.git/.test(l)) problems.push(`.dockerignore lets ${l.slice(1)} in`);
  }
  return problems;
}

/** A .dockerignore pattern as a regular expression over slash-separated paths (`**` any depth, `*` and `?` within a segment). */
function ignorePattern(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => (part.startsWith('**') ? '(?:.*/)?' + (part === '**' ? '.*' : '') : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // A pattern that names a directory takes everything below it too.
  return new RegExp(`^${body}(?:/.*)?$`);
}

/** Whether a file (path from the repository root) reaches the build context: the last pattern that matches decides. */
export function inBuildContext(dockerignore: string, path: string): boolean {
  let included = true;
  for (const raw of dockerignore.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (ignorePattern(negated ? line.slice(1) : line).test(path)) included = negated;
  }
  return included;
}
