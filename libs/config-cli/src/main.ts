#!/usr/bin/env node
// `npx switchboard plan | apply | export`: one tenant's configuration as a YAML file, over the REST API only.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, USAGE, UsageError, type Command } from './cli.usage.js';
import { PlanApplier } from './config.apply.js';
import { parseTenantConfig, SCHEMA_URL } from './config.document.js';
import { ConfigError } from './config.errors.js';
import { exportTenant } from './config.export.js';
import { planChanges } from './config.plan.js';
import { renderPlan } from './plan.changes.js';
import type { SecretSources } from './secret-reference.js';
import { SwitchboardClient } from './switchboard.client.js';
import { readTenant } from './tenant-state.js';

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_CHANGES_OR_USAGE = 2;

function clientFromEnvironment(env: NodeJS.ProcessEnv): SwitchboardClient {
  const url = env['SWITCHBOARD_URL'] || 'http://127.0.0.1:8080';
  const key = env['SWITCHBOARD_KEY'];
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError('environment_invalid', 'SWITCHBOARD_URL must be an http(s) URL');
  if (!key) throw new ConfigError('environment_invalid', 'SWITCHBOARD_KEY must be set to a tenant admin key');
  return new SwitchboardClient(url, key);
}

function readConfigFile(file: string): { text: string; sources: SecretSources } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('config_invalid', `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return { text, sources: { env: process.env, baseDir: dirname(resolve(file)), readFile: (path) => readFileSync(path, 'utf8') } };
}

async function execute(command: Exclude<Command, { kind: 'help' }>): Promise<number> {
  if (command.kind === 'export') {
    const client = clientFromEnvironment(process.env);
    const tenant = await readTenant(client);
    const schemaFile = fileURLToPath(SCHEMA_URL);
    const from = command.output === null ? process.cwd() : dirname(resolve(command.output));
    const text = exportTenant(tenant, relative(from, schemaFile) || schemaFile);
    if (command.output === null) process.stdout.write(text);
    else {
      writeFileSync(command.output, text, { mode: 0o644 });
      console.log(`wrote ${command.output}`);
    }
    return EXIT_OK;
  }
  const { text, sources } = readConfigFile(command.file);
  // The file is checked in full before the API is asked anything.
  const declared = parseTenantConfig(text, command.file);
  const client = clientFromEnvironment(process.env);
  const tenant = await readTenant(client);
  const plan = planChanges(declared, tenant, { prune: command.prune, rotateCredentials: command.rotateCredentials });
  if (command.kind === 'plan') {
    for (const line of renderPlan(plan)) console.log(line);
    return plan.changes.length === 0 ? EXIT_OK : EXIT_CHANGES_OR_USAGE;
  }
  if (plan.changes.length === 0) {
    console.log('No changes: the tenant matches the file.');
    return EXIT_OK;
  }
  const applier = new PlanApplier(client, tenant, sources, {
    progress: (line) => console.log(line),
    ...(command.showWebhookSecrets ? { webhookSecret: (url: string, secret: string) => console.log(`  signing secret of ${url}: ${secret}`) } : {}),
  });
  const made = await applier.apply(plan.changes);
  console.log(`Applied: ${made} change${made === 1 ? '' : 's'}.`);
  return EXIT_OK;
}

async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`switchboard: ${error.message}\n\n${USAGE[error.topic]}`);
    return EXIT_CHANGES_OR_USAGE;
  }
  if (command.kind === 'help') {
    console.log(USAGE[command.topic]);
    return EXIT_OK;
  }
  try {
    return await execute(command);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`switchboard: ${error.message} [${error.code}]`);
    for (const detail of error.details) console.error(`  ${detail}`);
    return EXIT_ERROR;
  }
}

process.exitCode = await main(process.argv.slice(2));
