import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './service.processes.js';

/** `npm start`'s settings, read once from the environment; the services read the rest of it themselves. */
export interface LauncherConfig {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly namespace: string;
  readonly host: string;
  readonly port: number;
  readonly operatorKey: string | null;
  readonly egressAllow: string;
  /** Operator key, service keys, local KMS keys, logs, demo tenant and the pid file. */
  readonly stateDir: string;
  readonly demoMock: boolean;
  readonly demoMockPort: number;
  readonly kms: { readonly backend: 'aws'; readonly endpoint: string | null } | { readonly backend: 'local'; readonly localDir: string };
}

export const LAUNCHER_ENVIRONMENT = `Environment (see the configuration table in README.md; the services read the rest):
  DATABASE_URL                postgres://postgres@127.0.0.1:5432/switchboard   created if missing, then migrated
  NATS_URL                    nats://127.0.0.1:4222
  SWITCHBOARD_HOST, SWITCHBOARD_PORT   127.0.0.1, 8080   the gateway's address
  SWITCHBOARD_NAMESPACE       (empty)    NATS namespace
  SWITCHBOARD_OPERATOR_KEY    kept in <state dir>/operator.key
  SWITCHBOARD_EGRESS_ALLOW    (empty)    the demo mock's address is added to it
  SWITCHBOARD_STATE_DIR       .switchboard   keys, logs, demo tenant and the pid file stack.pid
  SWITCHBOARD_DEMO_MOCK       1          0: no mock LLM upstream and no demo provider
  SWITCHBOARD_DEMO_MOCK_PORT  4010
  KMS_BACKEND                 local      local (KMS_LOCAL_DIR, default <state dir>/kms) or aws (KMS_KEY_ID, AWS_REGION, KMS_ENDPOINT)`;

const unset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const port = (fallback: number) => z.preprocess(unset, z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1).max(65535).default(fallback));

const LauncherEnv = z.object({
  DATABASE_URL: z.preprocess(unset, z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).default('postgres://postgres@127.0.0.1:5432/switchboard')),
  NATS_URL: z.preprocess(unset, z.string().default('nats://127.0.0.1:4222')),
  SWITCHBOARD_NAMESPACE: z.preprocess(unset, z.string().default('')),
  SWITCHBOARD_HOST: z.preprocess(unset, z.string().regex(/^[^\s/]+$/, 'must be a host name or IP address').default('127.0.0.1')),
  SWITCHBOARD_PORT: port(8080),
  SWITCHBOARD_OPERATOR_KEY: z.preprocess(unset, z.string().optional()),
  SWITCHBOARD_EGRESS_ALLOW: z.preprocess(unset, z.string().default('')),
  SWITCHBOARD_STATE_DIR: z.preprocess(unset, z.string().default(join(REPO_ROOT, '.switchboard'))),
  SWITCHBOARD_DEMO_MOCK: z.preprocess(unset, z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('1')),
  SWITCHBOARD_DEMO_MOCK_PORT: port(4010),
  KMS_BACKEND: z.preprocess(unset, z.enum(['local', 'aws'], { error: 'must be local or aws' }).default('local')),
  KMS_LOCAL_DIR: z.preprocess(unset, z.string().optional()),
  KMS_ENDPOINT: z.preprocess(unset, z.string().optional()),
});

/** Throws an Error naming every bad variable. */
export function loadLauncherConfig(env: Readonly<Record<string, string | undefined>>): LauncherConfig {
  const parsed = LauncherEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const stateDir = isAbsolute(e.SWITCHBOARD_STATE_DIR) ? e.SWITCHBOARD_STATE_DIR : resolve(e.SWITCHBOARD_STATE_DIR);
  return {
    databaseUrl: e.DATABASE_URL,
    natsUrl: e.NATS_URL,
    namespace: e.SWITCHBOARD_NAMESPACE,
    host: e.SWITCHBOARD_HOST,
    port: e.SWITCHBOARD_PORT,
    operatorKey: e.SWITCHBOARD_OPERATOR_KEY ?? null,
    egressAllow: e.SWITCHBOARD_EGRESS_ALLOW,
    stateDir,
    demoMock: e.SWITCHBOARD_DEMO_MOCK === '1',
    demoMockPort: e.SWITCHBOARD_DEMO_MOCK_PORT,
    kms:
      e.KMS_BACKEND === 'aws'
        ? { backend: 'aws', endpoint: e.KMS_ENDPOINT ?? null }
        : { backend: 'local', localDir: e.KMS_LOCAL_DIR ?? join(stateDir, 'kms') },
  };
}
