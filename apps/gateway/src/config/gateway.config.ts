import { EgressPolicy } from '@switchboard/upstream';
import { z } from 'zod';

/**
 * Gateway settings, read once from the environment at start.
 *
 * | variable                    | default                   | meaning                                                        |
 * |-----------------------------|---------------------------|----------------------------------------------------------------|
 * | SWITCHBOARD_PORT            | 8080                      | HTTP port (0 = any free port)                                  |
 * | SWITCHBOARD_HOST            | 127.0.0.1                 | interface to listen on                                         |
 * | SWITCHBOARD_OPERATOR_KEY    | generated, printed once   | the operator key: at least 16 characters, no whitespace        |
 * | NATS_URL                    | nats://127.0.0.1:4222     | NATS server(s), comma-separated                                |
 * | SWITCHBOARD_NAMESPACE       | (empty)                   | NATS namespace isolating stacks on one server: [a-z0-9_]{0,32} |
 * | OTEL_EXPORTER_OTLP_ENDPOINT | unset: no trace export    | OTLP/HTTP endpoint traces go to                                |
 * | SWITCHBOARD_EGRESS_ALLOW    | (empty: public only)      | `[tenantId@]CIDR[:port]` entries upstreams may reach though not public |
 * | SWITCHBOARD_SPOOL_DIR       | .switchboard/spool        | where usage events wait while NATS is unreachable              |
 * | SWITCHBOARD_KV_REPLICAS     | SWITCHBOARD_EVENTS_REPLICAS, else 1 | replicas of the KV buckets (RPM counters) when created  |
 * | SWITCHBOARD_RPM_ELECTION_WAIT_MS | 10000            | how long rate-limited calls wait for the RPM bucket to have a leader again before 503 |
 * | SWITCHBOARD_UPSTREAM_TIMEOUT_MS | 600000 (10 min)       | the longest one upstream call may take, request to last byte   |
 * | SWITCHBOARD_REQUEST_TIMEOUT_MS  | 60000                 | the longest a client may take to send a whole request           |
 * | SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS | 32                | slow uploads (body arriving for over 1 s) per client address, 0: none |
 * | SWITCHBOARD_BUDGET_RESERVATION_TTL_MS | 1800000 (30 min) | when a budgeted call's reservation is released if it never reports |
 * | SWITCHBOARD_BUDGET_MAX_OUTPUT_TOKENS  | 4096       | output bound set on budgeted calls that send none              |
 * | SWITCHBOARD_BUDGET_LEASES   | on                        | busy budgets far from their limit admit from leases (off: every call reserves) |
 * | SWITCHBOARD_ACCESS_LOG      | info                      | level of the one access-log line per HTTP request, or off      |
 * | SWITCHBOARD_METRICS_MAX_MODEL_SERIES | 1000             | provider/model label pairs in the proxy metrics before `other` |
 * | SWITCHBOARD_BREAKER_FAILURES | 5                        | consecutive upstream failures of a provider that open its circuit |
 * | SWITCHBOARD_BREAKER_HALF_OPEN_MS | 30000                | how long an open circuit waits before one probe call is let through |
 */
export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  readonly operatorKey: string | null;
  readonly natsUrl: string;
  readonly namespace: string;
  readonly otlpEndpoint: string | null;
  /** Comma-separated `[<tenantId>@]<CIDR>[:<port>]` entries, checked at start (EgressPolicy.parse). */
  readonly egressAllow: string;
  readonly spoolDir: string;
  /** Replicas of the gateway's KV buckets when it creates them (SWITCHBOARD_KV_REPLICAS, else SWITCHBOARD_EVENTS_REPLICAS, else 1). */
  readonly kvReplicas: number;
  /** How long calls wait out a leader election of the RPM counters' stream before 503 (SWITCHBOARD_RPM_ELECTION_WAIT_MS). */
  readonly rpmElectionWaitMs: number;
  /** The longest one upstream call may take, from request to last byte (SWITCHBOARD_UPSTREAM_TIMEOUT_MS). */
  readonly upstreamTimeoutMs: number;
  /** The longest a client may take to send one whole request, body included (SWITCHBOARD_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** Slow uploads (a body still arriving after 1 s) one client address may have at once, 0 for no limit (SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS). */
  readonly maxUploadsPerAddress: number;
  readonly budget: { readonly reservationTtlMs: number; readonly defaultMaxOutputTokens: number; readonly leases: boolean };
  /** The per-provider circuit breaker of failover (SWITCHBOARD_BREAKER_FAILURES, SWITCHBOARD_BREAKER_HALF_OPEN_MS). */
  readonly breaker: { readonly failures: number; readonly halfOpenMs: number };
  readonly observability: {
    /** Level of the access-log line per request (SWITCHBOARD_ACCESS_LOG); `off` writes none. */
    readonly accessLog: AccessLogLevel;
    /** Provider/model label pairs the proxy metrics keep apart (SWITCHBOARD_METRICS_MAX_MODEL_SERIES). */
    readonly maxModelSeries: number;
  };
}

export const ACCESS_LOG_LEVELS = ['debug', 'info', 'off'] as const;
export type AccessLogLevel = (typeof ACCESS_LOG_LEVELS)[number];

const unset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** JetStream keeps 1 to 5 copies of a stream. */
const replicas = z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5');

const NatsServer = /^((nats|tls|ws|wss):\/\/)?[^\s,/]+(:\d{1,5})?\/?$/;

const GatewayEnv = z.object({
  SWITCHBOARD_PORT: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0).max(65535, 'must be at most 65535').default(8080),
  ),
  SWITCHBOARD_HOST: z.preprocess(unset, z.string().regex(/^[^\s/]+$/, 'must be a host name or IP address').default('127.0.0.1')),
  SWITCHBOARD_OPERATOR_KEY: z.preprocess(
    unset,
    z.string().min(16, 'must be at least 16 characters').max(512).regex(/^\S+$/, 'must not contain whitespace').optional(),
  ),
  NATS_URL: z.preprocess(
    unset,
    z
      .string()
      .refine((v) => v.split(',').every((s) => NatsServer.test(s.trim())), 'must be nats://host:port (comma-separated for several)')
      .default('nats://127.0.0.1:4222'),
  ),
  SWITCHBOARD_NAMESPACE: z.preprocess(
    (v) => v ?? '',
    z.string().regex(/^[a-z0-9_]{0,32}$/, 'must be at most 32 of a-z, 0-9, _'),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    unset,
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ),
  SWITCHBOARD_EGRESS_ALLOW: z.preprocess(
    (v) => v ?? '',
    z.string().superRefine((value, ctx) => {
      const parsed = EgressPolicy.parse(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error.message.replace(/^SWITCHBOARD_EGRESS_ALLOW: /, '') });
    }),
  ),
  SWITCHBOARD_SPOOL_DIR: z.preprocess(unset, z.string().default('.switchboard/spool')),
  SWITCHBOARD_KV_REPLICAS: z.preprocess(unset, replicas.optional()),
  SWITCHBOARD_EVENTS_REPLICAS: z.preprocess(unset, replicas.optional()),
  // 0 refuses at once; above a minute a caller waits longer than any client would.
  SWITCHBOARD_RPM_ELECTION_WAIT_MS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be 0 (no wait) or more').max(60_000, 'must be at most 60000').default(10_000),
  ),
  SWITCHBOARD_REQUEST_TIMEOUT_MS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1_000, 'must be at least 1000').max(3_600_000, 'must be at most 3600000').default(60_000),
  ),
  SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be 0 (no limit) or more').max(100_000).default(32),
  ),
  SWITCHBOARD_UPSTREAM_TIMEOUT_MS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1_000, 'must be at least 1000').max(86_400_000, 'must be at most 86400000').default(600_000),
  ),
  SWITCHBOARD_BUDGET_RESERVATION_TTL_MS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(10_000, 'must be at least 10000').max(86_400_000, 'must be at most 86400000').default(1_800_000),
  ),
  SWITCHBOARD_BUDGET_LEASES: z.preprocess(unset, z.enum(['on', 'off'], { error: 'must be on or off' }).default('on')),
  SWITCHBOARD_BUDGET_MAX_OUTPUT_TOKENS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be positive').max(10_000_000).default(4096),
  ),
  SWITCHBOARD_ACCESS_LOG: z.preprocess(unset, z.enum(ACCESS_LOG_LEVELS, { error: 'must be debug, info or off' }).default('info')),
  SWITCHBOARD_METRICS_MAX_MODEL_SERIES: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be positive').max(100_000, 'must be at most 100000').default(1_000),
  ),
  SWITCHBOARD_BREAKER_FAILURES: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be positive').max(1_000, 'must be at most 1000').default(5),
  ),
  SWITCHBOARD_BREAKER_HALF_OPEN_MS: z.preprocess(
    unset,
    z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(100, 'must be at least 100').max(3_600_000, 'must be at most 3600000').default(30_000),
  ),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Throws ConfigError naming every bad variable, so an operator fixes them all in one go. */
export function loadGatewayConfig(env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const parsed = GatewayEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid gateway configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.SWITCHBOARD_PORT,
    host: e.SWITCHBOARD_HOST,
    operatorKey: e.SWITCHBOARD_OPERATOR_KEY ?? null,
    natsUrl: e.NATS_URL,
    namespace: e.SWITCHBOARD_NAMESPACE,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
    egressAllow: e.SWITCHBOARD_EGRESS_ALLOW,
    spoolDir: e.SWITCHBOARD_SPOOL_DIR,
    kvReplicas: e.SWITCHBOARD_KV_REPLICAS ?? e.SWITCHBOARD_EVENTS_REPLICAS ?? 1,
    rpmElectionWaitMs: e.SWITCHBOARD_RPM_ELECTION_WAIT_MS,
    upstreamTimeoutMs: e.SWITCHBOARD_UPSTREAM_TIMEOUT_MS,
    requestTimeoutMs: e.SWITCHBOARD_REQUEST_TIMEOUT_MS,
    maxUploadsPerAddress: e.SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS,
    budget: {
      reservationTtlMs: e.SWITCHBOARD_BUDGET_RESERVATION_TTL_MS,
      defaultMaxOutputTokens: e.SWITCHBOARD_BUDGET_MAX_OUTPUT_TOKENS,
      leases: e.SWITCHBOARD_BUDGET_LEASES === 'on',
    },
    breaker: { failures: e.SWITCHBOARD_BREAKER_FAILURES, halfOpenMs: e.SWITCHBOARD_BREAKER_HALF_OPEN_MS },
    observability: { accessLog: e.SWITCHBOARD_ACCESS_LOG, maxModelSeries: e.SWITCHBOARD_METRICS_MAX_MODEL_SERIES },
  };
}
