import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { natsServers } from './nats.config.js';
import type { NatsConfig } from './nats.config.js';

/**
 * A plain nats.js connection for JetStream work. The first connect fails fast when NATS is down (the caller
 * decides whether to retry); once connected it reconnects forever, buffering nothing it could lose: publishes
 * made while disconnected fail and are retried by the outbox relay.
 */
export async function connectNats(cfg: NatsConfig): Promise<NatsConnection> {
  return connect({ servers: natsServers(cfg), name: cfg.name, maxReconnectAttempts: -1 });
}
