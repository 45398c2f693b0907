import { Transport } from '@nestjs/microservices';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { Authenticator } from '@nats-io/transport-node';
import { busNames } from '@switchboard/contracts';
import type { BusNames } from '@switchboard/contracts';
import { NatsConfigError, natsAuthFromEnv, natsInboxPrefixFromEnv, natsTlsFromEnv } from './nats.auth.js';
import type { Env, NatsAuth, NatsTlsFiles } from './nats.auth.js';

export interface NatsConfig {
  url: string;
  /** SWITCHBOARD_NAMESPACE: isolates stacks (or test runs) sharing one NATS server; '' in production. */
  namespace: string;
  /** Connection name shown by NATS monitoring, e.g. the service name. */
  name: string;
  /** NATS_USER with a password, or an nkey seed; absent: anonymous (a development server). */
  auth?: NatsAuth;
  /** Set whenever TLS is required: NATS_TLS_* files, or a `tls://` URL. */
  tls?: NatsTlsFiles;
  /** NATS_INBOX_PREFIX: a service's NATS user may subscribe to its own reply inboxes only; absent: `_INBOX`. */
  inboxPrefix?: string;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** `host:port`, `nats://host:port` or `tls://host:port`; credentials never ride in a URL (nats.js would drop them silently). */
const SERVER_URL = /^(?:(nats|tls):\/\/)?([^/@\s]+)$/;

/**
 * Everything a service needs to reach NATS, read and checked once at start: NATS_URL (comma-separated cluster
 * seeds), SWITCHBOARD_NAMESPACE, the credentials (NATS_USER + NATS_PASSWORD[_FILE] or NATS_NKEY_SEED_FILE), TLS
 * (NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE, NATS_TLS_KEY_FILE) and NATS_INBOX_PREFIX. Throws NatsConfigError.
 */
export function natsConfigFromEnv(name: string, env: Env = process.env): NatsConfig {
  const url = env['NATS_URL'] || DEFAULT_NATS_URL;
  const tlsUrl = splitServers(url).some((server) => parseServer(server) === 'tls');
  const auth = natsAuthFromEnv(env);
  const tls = natsTlsFromEnv(env, tlsUrl);
  const inboxPrefix = natsInboxPrefixFromEnv(env);
  return {
    url,
    namespace: env['SWITCHBOARD_NAMESPACE'] ?? '',
    name,
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
    ...(inboxPrefix ? { inboxPrefix } : {}),
  };
}

function parseServer(server: string): 'nats' | 'tls' {
  if (server.includes('@')) {
    // The URL itself is not repeated: it holds a password.
    throw new NatsConfigError('NATS_URL', 'a server URL carries credentials; use NATS_USER with NATS_PASSWORD_FILE (or NATS_NKEY_SEED_FILE) instead');
  }
  const match = SERVER_URL.exec(server);
  if (!match) throw new NatsConfigError('NATS_URL', `"${server}" is not a NATS server address (nats://host:port or tls://host:port)`);
  return match[1] === 'tls' ? 'tls' : 'nats';
}

export function busNamesFromEnv(): BusNames {
  return busNames(process.env['SWITCHBOARD_NAMESPACE'] ?? '');
}

function splitServers(url: string): string[] {
  return url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
}

/** Comma-separated NATS_URL lists several cluster seeds. */
export function natsServers(cfg: NatsConfig): string[] {
  return splitServers(cfg.url);
}

/** The options nats.js `connect` and Nest's NATS transport (client and server) share. */
export interface NatsConnectionOptions {
  servers: string[];
  name: string;
  maxReconnectAttempts: number;
  authenticator?: Authenticator;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  inboxPrefix?: string;
}

/**
 * How every connection of a service is opened: its servers, name, credentials, TLS and inbox prefix, and
 * reconnecting forever once connected (a NATS restart must not take a service down).
 */
export function natsConnectionOptions(cfg: NatsConfig): NatsConnectionOptions {
  return {
    servers: natsServers(cfg),
    name: cfg.name,
    maxReconnectAttempts: -1,
    ...(cfg.auth ? { authenticator: cfg.auth.authenticator } : {}),
    ...(cfg.tls ? { tls: { ...cfg.tls } } : {}),
    ...(cfg.inboxPrefix ? { inboxPrefix: cfg.inboxPrefix } : {}),
  };
}

export interface NatsMicroserviceTuning {
  /**
   * On close, subscriptions are dropped first and replies to requests already being handled still go out
   * during this period. Default 2000 ms.
   */
  gracePeriodMs?: number;
}

/**
 * Nest microservice transport for a service. Every handler subscribes in the queue group `queue`, so N replicas
 * of a service share the requests and each request is handled exactly once. Reconnects forever: a NATS restart
 * must not take the service down.
 */
export function natsMicroserviceOptions(
  cfg: NatsConfig,
  queue: string,
  tuning: NatsMicroserviceTuning = {},
): MicroserviceOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...natsConnectionOptions(cfg),
      queue,
      gracefulShutdown: true,
      gracePeriod: tuning.gracePeriodMs ?? 2000,
    },
  };
}
