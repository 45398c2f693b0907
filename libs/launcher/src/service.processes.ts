import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceName as IdentityName } from '@switchboard/contracts';
import { keyFileOf, TRUSTED_KEYS_FILE } from '@switchboard/service-identity';

export const SERVICES = ['providers-service', 'credentials-service', 'usage-service', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** libs/launcher/{src,dist}/service.processes.* → repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The bus identity a service process runs as. */
export const identityNameOf = (service: ServiceName): IdentityName => (service === 'gateway' ? 'gateway' : (service.replace('-service', '') as IdentityName));

/**
 * V8 flags a service's process starts with wherever it is started: by spawnServiceProcess (npm start, the test stacks)
 * and by the image's CMD (deploy/Dockerfile, which deploy/compose.yaml and deploy/k8s run; a spec keeps them equal).
 * The gateway's old generation may grow 20 % past what a full collection left live before the next one, instead of up
 * to 4×: under concurrent calls it otherwise fills with promoted short-lived objects. Measured: 173–176 instead of
 * about 214 MiB peak RSS at 128 concurrent calls, for about 6 % more gateway CPU per call. Its young generation's
 * semi-spaces stop at 8 MiB instead of 16: 16 MiB less reserved, idle and under load (about 15 MiB lower peak at 128
 * concurrent calls), for more frequent scavenges (about 30 µs more collector time per call; README, Performance).
 */
export const SERVICE_V8_FLAGS: Readonly<Record<ServiceName, readonly string[]>> = {
  'providers-service': [],
  'credentials-service': [],
  'usage-service': [],
  gateway: ['--heap-growing-percent=20', '--max-semi-space-size=8'],
};

/**
 * Whether a service's process maps stack traces back to the TypeScript sources (`--enable-source-maps`):
 * SWITCHBOARD_SOURCE_MAPS when it is `1` or `0`, else every service but the gateway. With them on a process holds
 * the source map of every module it loads, also of those no stack trace ever passes through: about 6 MiB of the
 * gateway's old space (README, Performance), where its memory at 128 concurrent calls is a goal. The image's CMD
 * (deploy/Dockerfile) decides the same way; a spec keeps them equal.
 */
export function sourceMapsOf(service: ServiceName, env: Readonly<Record<string, string | undefined>>): boolean {
  const chosen = env['SWITCHBOARD_SOURCE_MAPS'];
  if (chosen === '1' || chosen === '0') return chosen === '1';
  return service !== 'gateway';
}

/** The node arguments a service starts with when its caller gives none. */
export const defaultNodeArgsOf = (service: ServiceName, env: Readonly<Record<string, string | undefined>>): string[] =>
  sourceMapsOf(service, env) ? ['--enable-source-maps'] : [];

export const serviceMainOf = (service: ServiceName): string => join(REPO_ROOT, 'apps', service, 'dist', 'main.js');

export const randomOperatorKey = (): string => `sbk_${randomBytes(32).toString('base64url')}`;

/** Throws naming the first service that has not been built. */
export function assertServicesBuilt(): void {
  for (const name of SERVICES) {
    if (!existsSync(serviceMainOf(name))) throw new Error(`${serviceMainOf(name)} is missing: run \`npm run build\` first`);
  }
}

/** What every service process of one stack shares, whatever else a caller adds. */
export interface StackEnvironment {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly namespace: string;
  readonly operatorKey: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  readonly publicUrl: string;
}

export function serviceEnvironment(stack: StackEnvironment, name: ServiceName, index: number): Record<string, string> {
  return {
    DATABASE_URL: stack.databaseUrl,
    NATS_URL: stack.natsUrl,
    SWITCHBOARD_NAMESPACE: stack.namespace,
    SWITCHBOARD_OPERATOR_KEY: stack.operatorKey,
    SWITCHBOARD_HOST: stack.gatewayHost,
    SWITCHBOARD_PORT: String(stack.gatewayPort),
    SWITCHBOARD_PUBLIC_URL: stack.publicUrl,
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${name}-${index}`,
  };
}

/** A service's identity from the files ensureServiceKeyFiles makes, handed over by path as deployments do. */
export const identityFileEnvironment = (keyDir: string, name: ServiceName): Record<string, string> => ({
  SWITCHBOARD_SERVICE_KEY_FILE: keyFileOf(keyDir, identityNameOf(name)),
  SWITCHBOARD_TRUSTED_KEYS_FILE: join(keyDir, TRUSTED_KEYS_FILE),
});

export interface RunningService {
  readonly name: ServiceName;
  readonly index: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

export interface ServiceProcessOptions {
  /** The whole environment of the process (NODE_OPTIONS is dropped: a debugger or loader meant for the caller). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default defaultNodeArgsOf(name, env); after the service's SERVICE_V8_FLAGS, so a flag given here wins. */
  readonly nodeArgs?: readonly string[];
  /** Also append the output to `<logDir>/<service>-<index>.log`. */
  readonly logDir?: string;
  /** Print the output as it comes, each line prefixed with the service. */
  readonly echo?: boolean;
}

export const logFileOf = (logDir: string, name: ServiceName, index: number): string => join(logDir, `${name}-${index}.log`);

/** Starts one process of a service from its built output, collecting everything it prints. */
export function spawnServiceProcess(name: ServiceName, index: number, options: ServiceProcessOptions): RunningService {
  const env = { ...options.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...SERVICE_V8_FLAGS[name], ...(options.nodeArgs ?? defaultNodeArgsOf(name, env)), serviceMainOf(name)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  let file: ReturnType<typeof createWriteStream> | null = null;
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    file = createWriteStream(logFileOf(options.logDir, name, index), { flags: 'a' });
  }
  const collect = (data: Buffer): void => {
    const text = data.toString('utf8');
    chunks.push(text);
    file?.write(text);
    if (options.echo) process.stdout.write(text.replace(/^/gm, `[${name}#${index}] `));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // 'close' comes after the last output, unlike 'exit'.
  child.once('close', () => file?.end());
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { name, index, child, exited, output: () => chunks.join('') };
}

export const isRunning = (s: RunningService): boolean => s.child.exitCode === null && s.child.signalCode === null;

/** Waits until every gateway answers /readyz with 200; throws when a process exits first or time runs out. */
/**
 * `gateway#0 pid 123 cpu 4.2 s`: whether a process that has not answered was working (still loading, starved) or
 * idle (waiting on something), from /proc where there is one.
 */
function processReport(s: RunningService): string {
  const pid = s.child.pid;
  if (pid === undefined) return `${s.name}#${s.index} not started`;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return `${s.name}#${s.index} pid ${pid} cpu ${(ticks / 100).toFixed(1)} s`;
  } catch {
    return `${s.name}#${s.index} pid ${pid}`;
  }
}

export async function waitGatewaysReady(gatewayUrls: readonly string[], services: readonly RunningService[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const url of gatewayUrls) {
    let last = '';
    for (;;) {
      const exited = services.find((s) => s.child.exitCode !== null);
      if (exited) throw new Error(`${exited.name}#${exited.index} exited with code ${exited.child.exitCode}`);
      try {
        const res = await fetch(`${url}/readyz`);
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) break;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`stack not ready within ${timeoutMs} ms: ${last} (${services.map(processReport).join('; ')})`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** SIGTERM to every live process (graceful: spans flush, outboxes drain), SIGKILL after the grace period. */
export async function stopServiceProcesses(services: readonly RunningService[], graceMs = 8000): Promise<void> {
  const alive = services.filter(isRunning);
  for (const s of alive) s.child.kill('SIGTERM');
  await Promise.all(
    alive.map(async (s) => {
      const grace = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
      await s.exited;
      clearTimeout(grace);
    }),
  );
}
