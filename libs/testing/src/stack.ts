import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { busNames, SERVICE_NAMES as IDENTITY_NAMES, type BusNames, type ServiceName as IdentityName } from '@switchboard/contracts';
import {
  assertServicesBuilt,
  identityFileEnvironment,
  identityNameOf,
  isRunning,
  randomOperatorKey,
  serviceEnvironment,
  SERVICES,
  spawnServiceProcess,
  stopServiceProcesses,
  waitGatewaysReady,
  type RunningService,
  type ServiceName,
} from '@switchboard/launcher';
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

// The service processes are started as `npm start` starts them (libs/launcher); the stack adds what tests need.
export { identityNameOf, randomOperatorKey, REPO_ROOT, SERVICES, type RunningService, type ServiceName } from '@switchboard/launcher';

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
  /** Environment of one process of a service, by replica index, over `serviceEnv` (e.g. tracing on one gateway only). */
  readonly replicaEnv?: Partial<Record<ServiceName, readonly Readonly<Record<string, string>>[]>>;
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

/**
 * How long a stack may take to answer /readyz. A healthy start takes 2–15 s; the first stacks of a test run start
 * beside another runner's stack, a browser and two Jest processes compiling specs, on two cores.
 */
export const STACK_READY_TIMEOUT_MS = 90_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The four services as real processes (built output in apps/*\/dist), on the real PostgreSQL and NATS. */
export class Stack {
  readonly services: RunningService[] = [];
  /** One identity key pair per service, made for this stack; every process trusts exactly these. */
  readonly serviceKeys: Readonly<Record<IdentityName, ServiceKeyPair>>;
  readonly trustedKeysJson: string;
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
  private identityEnv(name: ServiceName): Record<string, string> {
    const keyDir = this.options.serviceKeyDir;
    return keyDir
      ? identityFileEnvironment(keyDir, name)
      : { SWITCHBOARD_SERVICE_KEY: this.serviceKeys[identityNameOf(name)].privateKeyPem, SWITCHBOARD_TRUSTED_KEYS: this.trustedKeysJson };
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    assertServicesBuilt();
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
      await stack.waitReady(options.readyTimeoutMs ?? STACK_READY_TIMEOUT_MS);
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
    const stackEnv = {
      databaseUrl: this.databaseUrl,
      natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      namespace: this.namespace,
      operatorKey: this.operatorKey,
      gatewayHost: this.options.gatewayHost ?? '127.0.0.1',
      gatewayPort: this.gatewayPorts[index] ?? this.gatewayPorts[0],
      publicUrl: this.gatewayUrl,
    };
    const env = {
      ...process.env,
      ...serviceEnvironment(stackEnv, name, index),
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...this.identityEnv(name),
      ...this.kmsEnv(),
      ...(this.options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: this.options.otlpEndpoint } : {}),
      ...this.options.env,
      ...this.options.serviceEnv?.[name],
      ...this.options.replicaEnv?.[name]?.[index],
    };
    const running = spawnServiceProcess(name, index, { env, nodeArgs: this.options.nodeArgs?.[name], logDir: this.options.logDir, echo: this.options.echo });
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
    return this.services.filter((s) => s.name === name && isRunning(s));
  }

  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL', index?: number): Promise<void> {
    const targets = this.running(name).filter((s) => index === undefined || s.index === index);
    for (const s of targets) s.child.kill(signal);
    await Promise.all(targets.map((s) => s.exited));
  }

  async waitReady(timeoutMs = STACK_READY_TIMEOUT_MS): Promise<void> {
    await waitGatewaysReady(this.gatewayUrls, this.services, timeoutMs);
  }

  /** SIGTERM to everything (graceful: spans flush), SIGKILL after a grace period; drops a test database. */
  async stop(): Promise<void> {
    await stopServiceProcesses(this.services);
    if (this.dropOnStop) await dropDatabase(this.databaseName);
    if (this.kmsDir) rmSync(this.kmsDir, { recursive: true, force: true });
  }
}
