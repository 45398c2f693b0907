import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { BUS_CLIENT_PROXY, BUS_NATS_CONFIG, BusClient, createBusClientProxy } from './bus.client.js';
import type { ServiceIdentity } from '@switchboard/service-identity';
import type { NatsConfig } from './nats.config.js';
import { SERVICE_IDENTITY } from './service-identity.module.js';

/**
 * `imports: [BusModule.forRoot(natsConfigFromEnv('gateway'), identity)]` makes BusClient injectable. The connection is
 * opened on the first send and closed on application shutdown (enable shutdown hooks to get it on SIGTERM).
 */
@Module({})
export class BusModule {
  static forRoot(cfg: NatsConfig, identity: ServiceIdentity): DynamicModule {
    return {
      module: BusModule,
      providers: [
        { provide: BUS_NATS_CONFIG, useValue: cfg },
        { provide: SERVICE_IDENTITY, useValue: identity },
        { provide: BUS_CLIENT_PROXY, useFactory: () => createBusClientProxy(cfg) },
        BusClient,
      ],
      exports: [BusClient, SERVICE_IDENTITY],
    };
  }
}
