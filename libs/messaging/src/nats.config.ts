import { Transport } from '@nestjs/microservices';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { busNames } from '@switchboard/contracts';
import type { BusNames } from '@switchboard/contracts';

export interface NatsConfig {
  url: string;
  /** SWITCHBOARD_NAMESPACE: isolates stacks (or test runs) sharing one NATS server; '' in production. */
  namespace: string;
  /** Connection name shown by NATS monitoring, e.g. the service name. */
  name: string;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export function natsConfigFromEnv(name: string): NatsConfig {
  return {
    url: process.env['NATS_URL'] || DEFAULT_NATS_URL,
    namespace: process.env['SWITCHBOARD_NAMESPACE'] ?? '',
    name,
  };
}

export function busNamesFromEnv(): BusNames {
  return busNames(process.env['SWITCHBOARD_NAMESPACE'] ?? '');
}

/** Comma-separated NATS_URL lists several cluster seeds. */
export function natsServers(cfg: NatsConfig): string[] {
  return cfg.url
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
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
      servers: natsServers(cfg),
      name: cfg.name,
      queue,
      maxReconnectAttempts: -1,
      gracefulShutdown: true,
      gracePeriod: tuning.gracePeriodMs ?? 2000,
    },
  };
}
