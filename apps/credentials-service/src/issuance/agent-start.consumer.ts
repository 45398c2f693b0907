import type { BusNames } from '@switchboard/contracts';
import { DurableConsumer, type NatsConnection, type ReceivedEvent } from '@switchboard/messaging';
import { EVENT_PROOF_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import type { Logger } from '@switchboard/telemetry';
import { AgentStartMessage } from './agent-start.event.js';
import type { IssueCredentialHandler } from './issue-credential/issue-credential.service.js';

/** Shared by every replica: each start event is handled by one of them at a time. */
export const ISSUER_DURABLE = 'credentials-issuer';

/**
 * Starts handled at once per replica. Starts need no ordering among themselves (each is decided once on its
 * own `start-<startId>` stream), and one issuance mostly waits on Postgres, KMS and providers-service, so
 * handling them one by one left the service idle and capped issuance at ~1/latency.
 */
export const ISSUER_CONCURRENCY = 16;

export interface AgentStartConsumerOptions {
  /** First redelivery delay after a failure (doubled per delivery); the consumer's default when unset. */
  readonly retryDelayMs?: number;
  /** Starts handled at the same time; default ISSUER_CONCURRENCY. */
  readonly concurrency?: number;
}

/**
 * Feeds `agent.start_requested` to the issuer. A message that can never be handled (not published by
 * providers-service, malformed, or filed under another tenant's subject) is logged and acknowledged; a handler
 * that throws is retried. The publisher's proof comes first: a start names the recipient, the delivery, the
 * endpoint and the secret of the credential this service signs, so one put on the stream by anybody else must
 * never reach the issuer.
 */
export async function startAgentStartConsumer(
  nc: NatsConnection,
  names: BusNames,
  issuer: IssueCredentialHandler,
  identity: ServiceIdentity,
  logger: Logger,
  options: AgentStartConsumerOptions = {},
): Promise<DurableConsumer> {
  const consumer = await DurableConsumer.create(nc, names, {
    durable: ISSUER_DURABLE,
    filterSubjects: [names.eventFilter('agent.start_requested')],
    logger,
    concurrency: options.concurrency ?? ISSUER_CONCURRENCY,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  });
  consumer.start(async (event: ReceivedEvent) => {
    if (!identity.verifyEvent('providers', event.subject, event.payload, event.headers[EVENT_PROOF_HEADER])) {
      logger.error('agent.start_requested not published by providers-service dropped', { subject: event.subject, seq: event.seq });
      return;
    }
    const parsed = AgentStartMessage.safeParse(event.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      logger.error('malformed agent.start_requested dropped', { subject: event.subject, seq: event.seq, path: issue?.path.join('.'), issue: issue?.message });
      return;
    }
    const start = parsed.data;
    if (event.subject !== names.event(start.tenantId, 'agent.start_requested')) {
      logger.error('agent.start_requested under another tenant\'s subject dropped', { subject: event.subject, seq: event.seq, tenantId: start.tenantId });
      return;
    }
    const outcome = await issuer.handle(start);
    logger.info('agent start handled', { tenantId: start.tenantId, agentId: start.agentId, startId: start.startId, delivery: start.delivery, outcome });
  });
  return consumer;
}
