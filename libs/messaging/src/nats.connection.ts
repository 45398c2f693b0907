import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { natsConnectionOptions } from './nats.config.js';
import type { NatsConfig } from './nats.config.js';
import { observeNatsConnection } from './nats.metrics.js';

/** Per-connection switches beside the configuration (e.g. the gateway turns async traces off on its hot path). */
export interface NatsConnectionTuning {
  noAsyncTraces?: boolean;
}

/**
 * A plain nats.js connection for JetStream work, with the service's credentials, TLS and inbox prefix. The first
 * connect fails fast when NATS is down (the caller decides whether to retry); once connected it reconnects
 * forever, buffering nothing it could lose: publishes made while disconnected fail and are retried by the
 * outbox relay.
 */
export async function connectNats(cfg: NatsConfig, tuning: NatsConnectionTuning = {}): Promise<NatsConnection> {
  const nc = await connect({ ...natsConnectionOptions(cfg), ...tuning });
  observeNatsConnection(nc);
  return nc;
}
