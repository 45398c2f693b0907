import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { BUS_EVENT_TYPES, KeyRevoked, busNames } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_CONFIG, GATEWAY_LOGGER } from '../core/core.tokens.js';
import { NatsLink } from '../core/nats.link.js';
import { KeyResolver } from './key.resolver.js';

/**
 * Every replica evicts a revoked key from its cache as soon as the event is published. A plain core
 * subscription (no durable consumer) is enough: a missed event only means the TTL applies instead.
 */
@Injectable()
export class KeyRevocationListener implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | null = null;
  private stopped = false;

  constructor(
    private readonly nats: NatsLink,
    private readonly keys: KeyResolver,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const subject = busNames(this.config.namespace).event('*', BUS_EVENT_TYPES.KeyRevoked);
    this.nats.onConnect((connection) => {
      if (this.stopped) return;
      this.subscription = connection.subscribe(subject, { callback: (error, message) => this.onMessage(error, message) });
    });
  }

  private onMessage(error: Error | null, message: Msg): void {
    if (error) {
      this.logger.warn('key revocation subscription failed', { error: error.message });
      return;
    }
    const event = KeyRevoked.safeParse(safeJson(message.data));
    if (event.success) this.keys.revoked(event.data.keyId);
    else this.logger.warn('ignored a malformed key.revoked event', { subject: message.subject });
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.subscription = null;
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
