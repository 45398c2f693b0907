import type { OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, type NatsConfig } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * The gateway's own NATS connection for core subscriptions (events it reacts to) and for readiness;
 * request/reply goes through BusClient. It connects in the background, so a gateway started while NATS is
 * down still serves /healthz and answers 503 instead of crash-looping; nats.js reconnects after that.
 */
export class NatsLink implements OnApplicationShutdown {
  private connection: NatsConnection | null = null;
  private up = false;
  private closed = false;
  private readonly listeners: Array<(connection: NatsConnection) => void> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  readonly ready: Promise<void>;

  constructor(
    private readonly config: NatsConfig,
    private readonly logger: Logger,
  ) {
    this.ready = this.connect(FIRST_RETRY_MS);
  }

  get connected(): boolean {
    return this.up && this.connection !== null && !this.connection.isClosed();
  }

  /** NATS_INBOX_PREFIX: what the connection's own reply inboxes start with. */
  get inboxPrefix(): string | undefined {
    return this.config.inboxPrefix;
  }

  /** The connection while it is up; null while connecting or reconnecting, so callers fail fast instead of queueing. */
  get current(): NatsConnection | null {
    return this.connected ? this.connection : null;
  }

  /** Runs fn with the connection once it exists (at once if it already does). */
  onConnect(fn: (connection: NatsConnection) => void): void {
    this.listeners.push(fn);
    if (this.connection) fn(this.connection);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.connection && !this.connection.isClosed()) await this.connection.drain().catch(() => undefined);
  }

  private async connect(delay: number): Promise<void> {
    while (!this.closed) {
      try {
        const connection = await connectGatewayNats(this.config);
        if (this.closed) {
          await connection.close();
          return;
        }
        this.connection = connection;
        this.up = true;
        void this.watch(connection);
        for (const fn of this.listeners) fn(connection);
        return;
      } catch (error) {
        this.logger.warn('NATS not reachable yet; retrying', { error: (error as Error).message, retryInMs: delay });
        await new Promise<void>((resolve) => (this.retryTimer = setTimeout(resolve, delay)));
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.up = false;
        this.logger.warn('NATS connection lost, reconnecting');
      } else if (status.type === 'reconnect') {
        this.up = true;
        this.logger.info('NATS connection restored');
      } else if (status.type === 'close') {
        this.up = false;
      }
    }
  }
}

/**
 * connectNats (credentials, TLS and inbox prefix from the configuration), without nats.js's async traces: with
 * them every request (each JetStream publish: the RPM limiter's compare-and-set, each usage event) builds two
 * Error objects up front just in case it fails, which was 5–7 % of the gateway's CPU under load. Failures still
 * carry their message and are mapped by the callers.
 */
function connectGatewayNats(cfg: NatsConfig): Promise<NatsConnection> {
  return connectNats(cfg, { noAsyncTraces: true });
}
