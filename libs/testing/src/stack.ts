import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busNames, SERVICE_NAMES as IDENTITY_NAMES, type BusNames, type ServiceName as IdentityName } from '@switchboard/contracts';
import {
  generateServiceKeyPair,
  keyFileOf,
  loadSigningKey,
  ServiceIdentity,
  TRUSTED_KEYS_FILE,
  TrustedKeys,
  type ServiceKeyPair,
} from '@switchboard/service-identity';
import { createTestDatabase, dropDatabase, ensureDatabase } from './database.js';

export const SERVICES = ['providers-service', 'credentials-service', 'usage-service', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The bus identity a service process runs as. */
export const identityNameOf = (service: ServiceName): IdentityName => (service === 'gateway' ? 'gateway' : (service.replace('-service', '') as IdentityName));

/** libs/testing/{src,dist}/stack.* → repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface StackOptions {
  /** Database name; default a fresh `sb_t_<random>` dropped on stop. */
  readonly database?: string;
  /** NATS namespace; default a random one so stacks sharing a NATS server never see each other. */
  readonly namespace?: string;
  readonly gatewayPort?: number;
  readonly gatewayHost?: string;
  readonly operatorKey?: string;
  readonly replicas?: Partial<Record<ServiceName, number>>;
  readonly otlpEndpoint?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Environment of one service's processes only, over `env` (e.g. each service's own NATS user). */
  readonly serviceEnv?: Partial<Record<ServiceName, Readonly<Record<string, string>>>>;
  /**
   * Service identity keys from files (`<service>.pem` and trusted-keys.json, as ensureServiceKeyFiles makes
   * them), handed to the processes by path; default: fresh keys for this stack, handed over inline.
   */
  readonly serviceKeyDir?: string;
  /** Also append each service's output to `<logDir>/<service>-<n>.log`. */
  readonly logDir?: string;
  /** Print service output as it comes. */
  readonly echo?: boolean;
  readonly readyTimeoutMs?: number;
  /** Node arguments per service, in place of the default `--enable-source-maps` (e.g. `--cpu-prof` for profiling). */
  readonly nodeArgs?: Partial<Record<ServiceName, readonly string[]>>;
  /** KMS for credentials-service: the aws backend against an endpoint (the emulator), or local keys in `localDir` (default: a temporary directory removed on stop). */
  readonly kms?: { readonly backend: 'aws'; readonly endpoint?: string; readonly keyId: string } | { readonly backend: 'local'; readonly localDir: string };
}

export interface RunningService {
  readonly name: ServiceName;
  readonly index: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export const randomOperatorKey = (): string => `sbk_${randomBytes(32).toString('base64url')}`;

/** The four services as real processes (built output in apps/*\/dist), on the real PostgreSQL and NATS. */
export class Stack {
  readonly services: RunningService[] = [];
  /** One identity key pair per service, made for this stack; every process trusts exactly these. */
  readonly serviceKeys: Readonly<Record<IdentityName, ServiceKeyPair>>;
  readonly trustedKeysJson: string;
  private readonly files: WriteStream[] = [];
  private readonly kmsDir: string | null;

  private constructor(
    readonly options: StackOptions,
    readonly databaseName: string,
    readonly databaseUrl: string,
    private readonly dropOnStop: boolean,
    readonly namespace: string,
    readonly names: BusNames,
    readonly operatorKey: string,
    readonly gatewayPorts: number[],
  ) {
    this.kmsDir = options.kms ? null : mkdtempSync(join(tmpdir(), 'sb-kms-'));
    const keyDir = options.serviceKeyDir;
    this.serviceKeys = Object.fromEntries(
      IDENTITY_NAMES.map((name) => {
        if (!keyDir) return [name, generateServiceKeyPair()];
        const privateKeyPem = readFileSync(keyFileOf(keyDir, name), 'utf8');
        const { publicKey, keyId } = loadSigningKey(privateKeyPem);
        return [name, { privateKeyPem, publicKey, keyId }];
      }),
    ) as Record<IdentityName, ServiceKeyPair>;
    this.trustedKeysJson = keyDir
      ? readFileSync(join(keyDir, TRUSTED_KEYS_FILE), 'utf8')
      : JSON.stringify(Object.fromEntries(IDENTITY_NAMES.map((name) => [name, [this.serviceKeys[name].publicKey]])));
  }

  /** Where a process finds its identity: the files of serviceKeyDir (as deployments do), or inline keys. */
  private identityEnv(name: IdentityName): Record<string, string> {
    const keyDir = this.options.serviceKeyDir;
    return keyDir
      ? { SWITCHBOARD_SERVICE_KEY_FILE: keyFileOf(keyDir, name), SWITCHBOARD_TRUSTED_KEYS_FILE: join(keyDir, TRUSTED_KEYS_FILE) }
      : { SWITCHBOARD_SERVICE_KEY: this.serviceKeys[name].privateKeyPem, SWITCHBOARD_TRUSTED_KEYS: this.trustedKeysJson };
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    for (const name of SERVICES) {
      const main = join(REPO_ROOT, 'apps', name, 'dist', 'main.js');
      if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    }
    const db = options.database
      ? { name: options.database, url: await ensureDatabase(options.database), drop: false }
      : await createTestDatabase().then((d) => ({ name: d.name, url: d.url, drop: true }));
    const namespace = options.namespace ?? `t${randomBytes(5).toString('hex')}`;
    const gateways = options.replicas?.gateway ?? 1;
    const ports: number[] = [];
    for (let i = 0; i < gateways; i++) ports.push(i === 0 && options.gatewayPort ? options.gatewayPort : await freePort());
    const stack = new Stack(
      options,
      db.name,
      db.url,
      db.drop,
      namespace,
      busNames(namespace),
      options.operatorKey ?? randomOperatorKey(),
      ports,
    );
    try {
      for (const name of SERVICES) {
        for (let i = 0; i < (options.replicas?.[name] ?? 1); i++) stack.spawn(name, i);
      }
      await stack.waitReady(options.readyTimeoutMs ?? 45_000);
    } catch (error) {
      const output = stack.output();
      await stack.stop();
      throw new Error(`${(error as Error).message}\n--- service output ---\n${output.slice(-6000)}`);
    }
    return stack;
  }

  /** Signs as one of this stack's services would: what a process holding that service's key can do. */
  identity(name: IdentityName): ServiceIdentity {
    return new ServiceIdentity(name, loadSigningKey(this.serviceKeys[name].privateKeyPem), TrustedKeys.parse(JSON.parse(this.trustedKeysJson)));
  }

  get gatewayUrl(): string {
    return this.gatewayUrls[0];
  }

  get gatewayUrls(): string[] {
    const host = this.options.gatewayHost ?? '127.0.0.1';
    return this.gatewayPorts.map((p) => `http://${host}:${p}`);
  }

  /** Starts one process of a service (again, after a kill, or as an extra replica). */
  spawn(name: ServiceName, index = 0): RunningService {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: this.databaseUrl,
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      SWITCHBOARD_NAMESPACE: this.namespace,
      SWITCHBOARD_OPERATOR_KEY: this.operatorKey,
      SWITCHBOARD_HOST: this.options.gatewayHost ?? '127.0.0.1',
      SWITCHBOARD_PORT: String(this.gatewayPorts[index] ?? this.gatewayPorts[0]),
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${name}-${index}`,
      SWITCHBOARD_PUBLIC_URL: this.gatewayUrl,
      ...this.identityEnv(identityNameOf(name)),
      ...this.kmsEnv(),
      ...(this.options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: this.options.otlpEndpoint } : {}),
      ...this.options.env,
      ...this.options.serviceEnv?.[name],
    };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [...(this.options.nodeArgs?.[name] ?? ['--enable-source-maps']), join(REPO_ROOT, 'apps', name, 'dist', 'main.js')], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    let file: WriteStream | null = null;
    if (this.options.logDir) {
      mkdirSync(this.options.logDir, { recursive: true });
      file = createWriteStream(join(this.options.logDir, `${name}-${index}.log`), { flags: 'a' });
      this.files.push(file);
    }
    const collect = (data: Buffer) => {
      const text = data.toString('utf8');
      chunks.push(text);
      file?.write(text);
      if (this.options.echo) process.stdout.write(text.replace(/^/gm, `[${name}#${index}] `));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const running: RunningService = { name, index, child, exited, output: () => chunks.join('') };
    this.services.push(running);
    return running;
  }

  private kmsEnv(): Record<string, string> {
    const kms = this.options.kms;
    if (kms?.backend === 'aws') {
      // The emulator accepts any SigV4 signature; placeholder credentials (unless real ones are set)
      // keep the SDK off the instance-metadata endpoint.
      return {
        KMS_BACKEND: 'aws',
        ...(kms.endpoint ? { KMS_ENDPOINT: kms.endpoint } : {}),
        KMS_KEY_ID: kms.keyId,
        AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'emulator',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'emulator',
      };
    }
    return { KMS_BACKEND: 'local', KMS_LOCAL_DIR: kms?.backend === 'local' ? kms.localDir : (this.kmsDir as string) };
  }

  /** Every byte every service process has printed so far. */
  output(): string {
    return this.services.map((s) => `### ${s.name}#${s.index}\n${s.output()}`).join('\n');
  }

  running(name: ServiceName): RunningService[] {
    return this.services.filter((s) => s.name === name && s.child.exitCode === null && s.child.signalCode === null);
  }

  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL', index?: number): Promise<void> {
    const targets = this.running(name).filter((s) => index === undefined || s.index === index);
    for (const s of targets) s.child.kill(signal);
    await Promise.all(targets.map((s) => s.exited));
  }

  async waitReady(timeoutMs = 45_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const url of this.gatewayUrls) {
      let last = '';
      for (;;) {
        const exited = this.services.find((s) => s.child.exitCode !== null);
        if (exited) throw new Error(`${exited.name}#${exited.index} exited with code ${exited.child.exitCode}`);
        try {
          const res = await fetch(`${url}/readyz`);
          last = `${res.status} ${await res.text()}`;
          if (res.status === 200) break;
        } catch (error) {
          last = (error as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`stack not ready within ${timeoutMs} ms: ${last}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  }

  /** SIGTERM to everything (graceful: spans flush), SIGKILL after a grace period; drops a test database. */
  async stop(): Promise<void> {
    const alive = this.services.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    for (const s of alive) s.child.kill('SIGTERM');
    await Promise.all(
      alive.map(async (s) => {
        const grace = setTimeout(() => s.child.kill('SIGKILL'), 8000);
        await s.exited;
        clearTimeout(grace);
      }),
    );
    for (const f of this.files) f.end();
    if (this.dropOnStop) await dropDatabase(this.databaseName);
    if (this.kmsDir) rmSync(this.kmsDir, { recursive: true, force: true });
  }
}
