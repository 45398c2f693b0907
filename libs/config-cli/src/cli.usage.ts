import { parseArgs } from 'node:util';

const ENVIRONMENT = `environment:
  SWITCHBOARD_URL   the gateway (default http://127.0.0.1:8080)
  SWITCHBOARD_KEY   a tenant admin key (required)`;

const EXIT_CODES = `exit codes: 0 done (plan: no changes), 2 plan has changes or bad arguments, 1 error (nothing
more was applied after it).`;

export const USAGE = {
  main: `usage: npx switchboard <plan | apply | export> [options] [-h | --help]

One tenant's providers, models, agents, budgets, limits, settings, alert thresholds and webhooks as a YAML
file (schema: libs/config-cli/schema/switchboard.schema.json). Secrets appear only as references:
\${env:NAME} or \${file:path}; no value is ever printed or written.
  plan -f <file>     prints what apply would change
  apply -f <file>    makes those changes
  export [-o <file>] writes the tenant as a file (stdout by default)
Run \`npx switchboard <command> --help\` for a command's options.

${ENVIRONMENT}
${EXIT_CODES}`,
  plan: `usage: npx switchboard plan -f <file.yaml> [--prune] [--rotate-credentials] [-h | --help]

Compares the file with the tenant and prints the changes: "+ create", "~ update" field by field (from → to),
"- delete". Changes nothing.
  -f, --file <file>       the configuration file
  --prune                 also plan deleting what the file does not name (in the sections it has)
  --rotate-credentials    plan sending every declared credential again (the API never shows a key, so a
                          changed value is not seen otherwise)

${ENVIRONMENT}
exit codes: 0 no changes, 2 changes (or bad arguments), 1 error.`,
  apply: `usage: npx switchboard apply -f <file.yaml> [--prune] [--rotate-credentials] [--show-webhook-secrets] [-h | --help]

Makes the changes plan shows, in dependency order (settings, providers, models, agents, webhooks; deletes
dependents first), each update with If-Match. Stops at the first refusal and says which change and why.
  -f, --file <file>         the configuration file
  --prune                   also delete what the file does not name (in the sections it has)
  --rotate-credentials      send every declared credential again
  --show-webhook-secrets    print the signing secret of each webhook made (the API shows it only then)

${ENVIRONMENT}
exit codes: 0 done (or nothing to do), 1 error or refusal, 2 bad arguments.`,
  export: `usage: npx switchboard export [-o <file.yaml>] [-h | --help]

Writes the tenant as a configuration file. Credentials become placeholder references
(\${env:PROVIDER_<NAME>_API_KEY}, \${env:PROVIDER_<NAME>_HEADERS} holding a JSON object of headers); no secret
is read or written. Discovered models are left out: discovery finds them again.
  -o, --output <file>    where to write (default: stdout)

${ENVIRONMENT}
exit codes: 0 done, 1 error, 2 bad arguments.`,
} as const;

export type Command =
  | { readonly kind: 'help'; readonly topic: keyof typeof USAGE }
  | { readonly kind: 'plan' | 'apply'; readonly file: string; readonly prune: boolean; readonly rotateCredentials: boolean; readonly showWebhookSecrets: boolean }
  | { readonly kind: 'export'; readonly output: string | null };

/** Thrown for arguments that make no command; the CLI answers it with exit status 2. */
export class UsageError extends Error {
  readonly code = 'usage_invalid';

  constructor(
    message: string,
    readonly topic: keyof typeof USAGE,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  file: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  prune: { type: 'boolean' },
  'rotate-credentials': { type: 'boolean' },
  'show-webhook-secrets': { type: 'boolean' },
} as const;

const ALLOWED: Readonly<Record<'plan' | 'apply' | 'export', readonly string[]>> = {
  plan: ['file', 'prune', 'rotate-credentials'],
  apply: ['file', 'prune', 'rotate-credentials', 'show-webhook-secrets'],
  export: ['output'],
};

export function parseCommandLine(argv: readonly string[]): Command {
  const topicOf = (word: string | undefined): keyof typeof USAGE => (word === 'plan' || word === 'apply' || word === 'export' ? word : 'main');
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message, topicOf(argv.find((a) => !a.startsWith('-'))));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const topic = topicOf(command);
  if (values.help) return { kind: 'help', topic };
  if (command === undefined) throw new UsageError('a command is needed: plan, apply or export', 'main');
  if (topic === 'main') throw new UsageError(`unknown command '${command}'`, 'main');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, topic);
  const given = Object.keys(values).filter((name) => name !== 'help');
  const stray = given.find((name) => !ALLOWED[topic as 'plan' | 'apply' | 'export'].includes(name));
  if (stray !== undefined) throw new UsageError(`${command} takes no option --${stray}`, topic);
  if (command === 'export') return { kind: 'export', output: values.output ?? null };
  if (values.file === undefined) throw new UsageError(`${command} needs -f <file.yaml>`, topic);
  return {
    kind: topic === 'plan' ? 'plan' : 'apply',
    file: values.file,
    prune: values.prune ?? false,
    rotateCredentials: values['rotate-credentials'] ?? false,
    showWebhookSecrets: values['show-webhook-secrets'] ?? false,
  };
}
