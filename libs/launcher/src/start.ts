#!/usr/bin/env node
// `npm start`'s launcher: the four services against the local PostgreSQL and NATS, a demo tenant seeded once,
// how to reach it printed; Ctrl-C stops everything. Refuses to start beside a running stack.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureServiceKeyFiles } from '@switchboard/service-identity';
import { createDatabaseIfMissing, databaseNameOf } from './database.js';
import { ensureDemoTenant, startDemoMock, type DemoMock, type DemoTenant } from './demo-tenant.js';
import { LAUNCHER_ENVIRONMENT, loadLauncherConfig, type LauncherConfig } from './launcher.config.js';
import { claimStack, describeRunningStack, gatewayUrlOf, releaseStack } from './running-stack.guard.js';
import {
  assertServicesBuilt,
  identityFileEnvironment,
  logFileOf,
  randomOperatorKey,
  serviceEnvironment,
  SERVICES,
  spawnServiceProcess,
  stopServiceProcesses,
  waitGatewaysReady,
  type RunningService,
} from './service.processes.js';

const USAGE = `usage: npm start            (builds first)
       node libs/launcher/dist/start.js [-h | --help]

Runs Switchboard locally: creates and migrates the database, starts providers-service, credentials-service,
usage-service and the gateway, seeds a demo tenant (with a mock LLM upstream) once and prints its keys and URLs.
Ctrl-C (or SIGTERM to the launcher) stops everything. Refuses to start, and exits 1, while another stack runs:
a live launcher in <state dir>/stack.pid, or anything accepting connections on the gateway port.

${LAUNCHER_ENVIRONMENT}`;

function parseCommandLine(argv: readonly string[]): 'help' | 'start' {
  const { values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  return values.help ? 'help' : 'start';
}

function operatorKey(config: LauncherConfig): string {
  if (config.operatorKey) return config.operatorKey;
  const file = join(config.stateDir, 'operator.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomOperatorKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

function kmsEnvironment(config: LauncherConfig): Record<string, string> {
  if (config.kms.backend === 'local') return { KMS_BACKEND: 'local', KMS_LOCAL_DIR: config.kms.localDir };
  // An emulator (KMS_ENDPOINT) accepts any signature; placeholders keep the SDK off the instance-metadata endpoint.
  const placeholders: Record<string, string> = config.kms.endpoint && !process.env['AWS_ACCESS_KEY_ID'] ? { AWS_ACCESS_KEY_ID: 'emulator', AWS_SECRET_ACCESS_KEY: 'emulator' } : {};
  return { KMS_BACKEND: 'aws', AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1', ...placeholders };
}

function banner(config: LauncherConfig, gatewayUrl: string, demo: DemoTenant, mock: DemoMock | null): string {
  const tryProxy =
    demo.agentKey && mock
      ? `
      curl -s ${gatewayUrl}/v1/chat/completions -H "Authorization: Bearer ${demo.agentKey}" \\
        -H 'content-type: application/json' -d '{"model":"demo-model","messages":[{"role":"user","content":"hi"}]}'
  (the demo agent calls a mock LLM upstream on ${mock.baseUrl})`
      : '';
  return `
Switchboard is running (launcher pid ${process.pid}).
  Gateway         ${gatewayUrl}
  Console         ${gatewayUrl}/console (sign in with the demo admin key)
  API docs        ${gatewayUrl}/docs
  Health          ${gatewayUrl}/readyz    Metrics ${gatewayUrl}/metrics
  Operator key    in ${join(config.stateDir, 'operator.key')} (or SWITCHBOARD_OPERATOR_KEY)
  Demo tenant     ${demo.tenantId}
  Demo admin key  ${demo.adminKey}
  Logs            ${join(config.stateDir, 'logs')}

Try:  curl -s -H "Authorization: Bearer ${demo.adminKey}" ${gatewayUrl}/v1/providers${tryProxy}
Ctrl-C (or kill ${process.pid}) stops the stack.`;
}

async function main(): Promise<number> {
  let command: 'help' | 'start';
  try {
    command = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`switchboard start: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadLauncherConfig(process.env);
  assertServicesBuilt();
  mkdirSync(config.stateDir, { recursive: true });
  const pidFile = join(config.stateDir, 'stack.pid');
  const running = await claimStack(pidFile, config.host, config.port);
  if (running) {
    process.stderr.write(`${describeRunningStack(running)}\n`);
    return 1;
  }
  process.on('exit', () => releaseStack(pidFile));

  const services: RunningService[] = [];
  let mock: DemoMock | null = null;
  let started = false;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    await stopServiceProcesses(services);
    await mock?.stop();
  };
  // While starting, the start itself stops at its next step what it started after the signal.
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    void stopAll().then(() => {
      if (started) process.exit(0);
    });
  };
  const unlessStopping = (): void => {
    if (stopping) throw new Error('stopped while starting');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const logDir = join(config.stateDir, 'logs');
  const gatewayUrl = gatewayUrlOf(config.host, config.port);
  try {
    const keyDir = join(config.stateDir, 'service-keys');
    const createdKeys = ensureServiceKeyFiles(keyDir);
    if (createdKeys.length > 0) console.log(`Created service identity keys for ${createdKeys.join(', ')} in ${keyDir}`);
    const stack = { databaseUrl: config.databaseUrl, natsUrl: config.natsUrl, namespace: config.namespace, operatorKey: operatorKey(config), gatewayHost: config.host, gatewayPort: config.port, publicUrl: gatewayUrl };

    if (config.demoMock) mock = await startDemoMock(config.demoMockPort);
    unlessStopping();
    // Exactly the mock's address and port: a plain 127.0.0.1/32 would let every tenant reach every local service.
    const egressAllow = [config.egressAllow, mock ? `127.0.0.1/32:${new URL(mock.baseUrl).port}` : ''].filter(Boolean).join(',');

    const databaseName = databaseNameOf(config.databaseUrl);
    console.log(`Starting Switchboard (database ${databaseName}, NATS ${config.natsUrl})…`);
    await createDatabaseIfMissing(config.databaseUrl);
    unlessStopping();
    for (const name of SERVICES) {
      const env = {
        ...process.env,
        ...serviceEnvironment(stack, name, 0),
        ...identityFileEnvironment(keyDir, name),
        ...kmsEnvironment(config),
        ...(egressAllow ? { SWITCHBOARD_EGRESS_ALLOW: egressAllow } : {}),
      };
      services.push(spawnServiceProcess(name, 0, { env, logDir }));
    }
    await waitGatewaysReady([gatewayUrl], services, 90_000).catch((error: Error) => {
      const output = services.map((s) => `### ${s.name}\n${s.output()}`).join('\n');
      throw new Error(`${error.message}\n--- service output ---\n${output.slice(-6000)}`);
    });
    const demo = await ensureDemoTenant(config.stateDir, databaseName, gatewayUrl, stack.operatorKey, mock);
    unlessStopping();
    console.log(banner(config, gatewayUrl, demo, mock));
    started = true;
  } catch (error) {
    await stopAll();
    if (stopping) return 0;
    console.error((error as Error).message);
    return 1;
  }
  for (const s of services) {
    void s.exited.then((code) => {
      if (!stopping) console.error(`${s.name} exited (code ${code}); see ${logFileOf(logDir, s.name, s.index)}`);
    });
  }
  // Runs until a signal: the child processes keep the event loop alive.
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`switchboard start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
