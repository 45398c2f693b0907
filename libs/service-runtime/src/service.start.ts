import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestMicroservice } from '@nestjs/common';
import type { BusNames } from '@switchboard/contracts';
import { OutboxRelay, type PgEventStore } from '@switchboard/event-store';
import {
  busNamesFromEnv,
  connectNats,
  watchStream,
  ensureEventsStream,
  jetStreamClient,
  natsMicroserviceOptions,
  ServiceIdentityModule,
  type NatsConfig,
  type NatsConnection,
} from '@switchboard/messaging';
import { EVENT_PROOF_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import { NestLogger, type Logger } from '@switchboard/telemetry';
import { openServiceStore, type ServiceDefinition } from './service.store.js';
import { eventsReplicasFromEnv } from './stream-replicas.js';

export interface ServiceStartOptions {
  readonly databaseUrl: string;
  readonly nats: NatsConfig;
  readonly logger: Logger;
  /** The service's bus identity: every operation it handles checks callers with it and signs replies with it. */
  readonly identity: ServiceIdentity;
  /** Replicas of the EVENTS stream (raised, never lowered); default SWITCHBOARD_EVENTS_REPLICAS, else 1. */
  readonly eventsReplicas?: number;
}

/** What every event-sourced service has running once its store, NATS and outbox relay are up. */
export interface ServiceRuntime {
  readonly store: PgEventStore;
  readonly nc: NatsConnection;
  readonly names: BusNames;
  readonly logger: Logger;
  /** Registers how to undo what was just opened; on close (or a failed start) steps run in reverse order. */
  onClose(step: () => Promise<unknown>): void;
  /** Creates the Nest microservice in the service's queue group and starts listening. */
  listen(module: DynamicModule): Promise<INestMicroservice>;
}

export interface RunningService {
  readonly store: PgEventStore;
  /** Undoes the start in reverse order; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens the store (migrated), NATS, the events stream and the outbox relay, then lets `build` add what the
 * service needs (usually `listen` and anything that depends on the app). Whatever `build` returns is part
 * of the running service. Everything opened is undone in reverse order, both on a failed start and on close.
 */
export async function startService<Extra extends object>(
  service: ServiceDefinition,
  options: ServiceStartOptions,
  build: (runtime: ServiceRuntime) => Promise<Extra>,
): Promise<RunningService & Extra> {
  const { logger } = options;
  const eventsReplicas = options.eventsReplicas ?? eventsReplicasFromEnv();
  const store = await openServiceStore(service, options.databaseUrl);
  const opened: (() => Promise<unknown>)[] = [() => store.dataSource.destroy()];
  const undo = async () => {
    for (const step of opened.splice(0).reverse()) await step();
  };
  try {
    const names = busNamesFromEnv();
    const nc = await connectNats(options.nats);
    opened.push(() => nc.drain());
    await ensureEventsStream(nc, names, { replicas: eventsReplicas }).catch((error: unknown) => {
      // A single server refuses R3 ("insufficient resources"): say which setting asked for it.
      throw new Error(`EVENTS stream with ${eventsReplicas} replica(s) (SWITCHBOARD_EVENTS_REPLICAS): ${(error as Error).message}`, { cause: error });
    });
    watchStream(nc, { name: names.eventsStream, label: 'EVENTS', consumerPrefix: names.durable('') });
    const { identity } = options;
    const relay = new OutboxRelay(store, jetStreamClient(nc), {
      logger: logger.child({ component: 'outbox-relay' }),
      // Every event leaves with this service's proof, so consumers can tell it from one anybody put on the stream.
      signHeaders: (subject, payload) => ({ [EVENT_PROOF_HEADER]: identity.signEvent(subject, payload) }),
    });
    relay.start();
    opened.push(() => relay.stop());

    const runtime: ServiceRuntime = {
      store,
      nc,
      names,
      logger,
      onClose: (step) => void opened.push(step),
      async listen(module) {
        const app = await NestFactory.createMicroservice(ServiceIdentityModule.around(module, identity), {
          ...natsMicroserviceOptions(options.nats, service.name),
          logger: new NestLogger(logger.child({ component: 'nest' })),
        });
        // Closed before the relay: requests in flight finish within the transport's grace period and the
        // relay, still running, publishes their events before it stops.
        opened.push(() => app.close());
        await app.listen();
        return app;
      },
    };
    const extra = await build(runtime);

    let closing: Promise<void> | undefined;
    return { ...extra, store, close: () => (closing ??= undo()) };
  } catch (err) {
    await undo();
    throw err;
  }
}
