import { BUS_EVENT_TYPES, type BusNames } from '@switchboard/contracts';
import { DurableConsumer, type NatsConnection, type ReceivedEvent } from '@switchboard/messaging';
import { createLogger, type Logger } from '@switchboard/telemetry';
import { CredentialEventOpener, type DeniedCredential, type IssuedCredential, type IssuerKey, type Refusal } from './credential-event.opener.js';

export interface OrchestratorClientOptions {
  readonly nc: NatsConnection;
  readonly names: BusNames;
  readonly tenantId: string;
  /** The recipient registered with POST /v1/recipients, and the private key behind its public key. */
  readonly recipient: { readonly id: string; readonly privateKey: string };
  /** The pinned keys credential.issued must be signed with (GET /v1/credential-issuer). */
  readonly issuerKeys: readonly IssuerKey[];
  /** Called once per opened credential; a throw hands the event back for redelivery. */
  readonly onCredential: (credential: IssuedCredential) => Promise<void> | void;
  readonly onDenied?: (denial: DeniedCredential) => Promise<void> | void;
  /** Events refused (other recipient, unsigned or wrongly signed, expired, replayed, tampered…), each also logged; acknowledged and not redelivered. */
  readonly onRefused?: (refusal: Refusal & { readonly subject: string }) => void;
  /** Durable consumer names are `<prefix>_issued` and `<prefix>_denied`. Default `orchestrator_<recipient id>`. */
  readonly durablePrefix?: string;
  readonly now?: () => Date;
  readonly logger?: Logger;
}

/**
 * Receives the credentials issued to one recipient of one tenant. Two durable JetStream consumers (one
 * filter subject each, as nats-server 2.9 allows) on `events.<tenant>.credential.issued` and
 * `….credential.denied`: an orchestrator that was down gets what was issued meanwhile, and replicas sharing
 * the prefix share the work. Each credential is opened with the recipient's private key and checked
 * (recipient, expiry, replay, seal) before the handler sees it.
 */
export class OrchestratorClient {
  private constructor(
    private readonly consumers: readonly DurableConsumer[],
    readonly durablePrefix: string,
  ) {}

  static async start(options: OrchestratorClientOptions): Promise<OrchestratorClient> {
    const opener = new CredentialEventOpener({
      tenantId: options.tenantId,
      recipientId: options.recipient.id,
      privateKey: options.recipient.privateKey,
      issuerKeys: options.issuerKeys,
      ...(options.now ? { now: options.now } : {}),
    });
    const prefix = options.durablePrefix ?? `orchestrator_${options.recipient.id}`;
    const consumer = (suffix: string, busType: string) =>
      DurableConsumer.create(options.nc, options.names, {
        durable: `${prefix}_${suffix}`,
        filterSubjects: [options.names.event(options.tenantId, busType)],
        ...(options.logger ? { logger: options.logger } : {}),
      });
    const issued = await consumer('issued', BUS_EVENT_TYPES.CredentialIssued);
    const denied = await consumer('denied', BUS_EVENT_TYPES.CredentialDenied);
    const logger = options.logger ?? createLogger('orchestrator-client');
    const refused = (event: ReceivedEvent, refusal: Refusal) => {
      logger.warn('credential event dropped', { reason: refusal.reason, eventId: refusal.eventId, startId: refusal.startId, subject: event.subject });
      options.onRefused?.({ ...refusal, subject: event.subject });
    };

    issued.start(async (event) => {
      const opened = opener.openIssued(event.data);
      if (!opened.ok) return refused(event, opened.error);
      await options.onCredential(opened.value);
      opener.handled(opened.value);
    });
    denied.start(async (event) => {
      const opened = opener.openDenied(event.data);
      if (!opened.ok) return refused(event, opened.error);
      await options.onDenied?.(opened.value);
      opener.handled(opened.value);
    });
    return new OrchestratorClient([issued, denied], prefix);
  }

  /** Stops both consumers; the connection stays the caller's to close. */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
