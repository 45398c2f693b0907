import { Global, Module, type DynamicModule } from '@nestjs/common';
import { BusModule, type NatsConfig } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';
import type { Logger } from '@switchboard/telemetry';
import type { GatewayConfig } from '../config/gateway.config.js';
import { HttpMetrics } from '../metrics/http.metrics.js';
import type { TokenCounter } from '@switchboard/llm-protocols';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, OPERATOR_KEY_ANNOUNCER, TOKEN_COUNTER, type OperatorKeyAnnouncer } from './core.tokens.js';
import { NatsLink } from './nats.link.js';

export interface CoreOptions {
  readonly config: GatewayConfig;
  readonly nats: NatsConfig;
  /** The gateway's bus identity: signs its requests, checks replies, transport keys and lists the issuer keys. */
  readonly identity: ServiceIdentity;
  readonly logger: Logger;
  readonly metrics: HttpMetrics;
  readonly announceOperatorKey: OperatorKeyAnnouncer;
  /** Counts tokens for usage estimates; default: a worker thread of the gateway's own. */
  readonly tokenCounter?: TokenCounter;
}

/** What every gateway module shares: settings, logger, metrics, the bus client and the NATS link. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    const bus = BusModule.forRoot(options.nats, options.identity);
    return {
      module: CoreModule,
      imports: [bus],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: options.config },
        { provide: GATEWAY_LOGGER, useValue: options.logger },
        { provide: OPERATOR_KEY_ANNOUNCER, useValue: options.announceOperatorKey },
        { provide: HttpMetrics, useValue: options.metrics },
        { provide: TOKEN_COUNTER, useValue: options.tokenCounter ?? null },
        { provide: NatsLink, useFactory: () => new NatsLink({ ...options.nats, name: `${options.nats.name}-events` }, options.logger) },
      ],
      exports: [bus, GATEWAY_CONFIG, GATEWAY_LOGGER, OPERATOR_KEY_ANNOUNCER, HttpMetrics, NatsLink, TOKEN_COUNTER],
    };
  }
}
