import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { BUS_EVENT_TYPES, SecretDeleted, SecretRotated, type BusNames } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import type { AgentRouteCache } from './agent-route.cache.js';
import type { GatewayCredentialCache } from '../forward/gateway-credential.cache.js';

/** The tenant token of `[<ns>.]events.<tenantId>.<context>.<event>`. */
export function tenantOfSubject(subject: string): string | null {
  const tokens = subject.split('.');
  return tokens.length >= 4 ? (tokens[tokens.length - 3] ?? null) : null;
}

/**
 * Core NATS subscriptions (every replica sees every event, no durable needed) that drop cached routes when a
 * tenant's providers, models, agents or settings change, and cached credentials when a secret is rotated or deleted.
 * A route holds its fallbacks' providers and models too; they are the same tenant's, so any of them changing drops it.
 * A missed event (reconnect) is bounded by the route TTL; for credentials, a rotated key that the upstream
 * rejects is also dropped by the proxy on the upstream's 401.
 */
export class ProxyCacheListener {
  private readonly subscriptions: Subscription[] = [];
  private stopped = false;

  constructor(
    private readonly names: BusNames,
    private readonly routes: AgentRouteCache,
    private readonly credentials: GatewayCredentialCache,
    private readonly logger: Logger,
  ) {}

  attach(connection: NatsConnection): void {
    if (this.stopped) return;
    // A fresh connection may have missed events while it was away.
    this.routes.clear();
    this.credentials.clear();
    for (const type of ['provider.*', 'model.*', 'agent.*', BUS_EVENT_TYPES.TenantSettingsChanged]) {
      this.subscriptions.push(connection.subscribe(this.names.event('*', type), { callback: (error, message) => this.onRouteEvent(error, message) }));
    }
    for (const type of [BUS_EVENT_TYPES.SecretRotated, BUS_EVENT_TYPES.SecretDeleted]) {
      this.subscriptions.push(connection.subscribe(this.names.event('*', type), { callback: (error, message) => this.onSecretEvent(error, message) }));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }

  private onRouteEvent(error: Error | null, message: Msg): void {
    if (error) return this.logger.warn('proxy route subscription failed', { error: error.message });
    const tenantId = tenantOfSubject(message.subject);
    if (tenantId !== null) this.routes.dropTenant(tenantId);
  }

  private onSecretEvent(error: Error | null, message: Msg): void {
    if (error) return this.logger.warn('proxy credential subscription failed', { error: error.message });
    const data = safeJson(message.data);
    const event = message.subject.endsWith(BUS_EVENT_TYPES.SecretRotated) ? SecretRotated.safeParse(data) : SecretDeleted.safeParse(data);
    if (event.success) this.credentials.drop(event.data.secretId);
    else this.logger.warn('ignored a malformed secret event', { subject: message.subject });
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
