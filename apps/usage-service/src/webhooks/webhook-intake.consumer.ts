import { BusEventEnvelope, type BusNames, type WebhookEventType, WEBHOOK_EVENT_TYPES } from '@switchboard/contracts';
import { DurableConsumer, type NatsConnection, type ReceivedEvent } from '@switchboard/messaging';
import { EVENT_PROOF_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import type { Logger } from '@switchboard/telemetry';
import type { DataSource } from 'typeorm';
import { SCHEMA } from '../projection/usage.migrations.js';

/** One durable per event type (nats-server 2.9 takes one filter per consumer), shared by every replica. */
export const webhookIntakeDurable = (busType: WebhookEventType): string => `webhook-intake-${busType.replace('.', '-')}`;

/** The largest event a webhook carries, as `WebhookSignRequest.body` bounds it. */
const MAX_BODY_BYTES = 512 * 1024;

/**
 * Turns each event into one pending delivery per live webhook of its tenant that subscribed to its type and
 * existed when it happened, in one INSERT … ON CONFLICT DO NOTHING on (webhook_id, event_id): the event is
 * acknowledged only after that commits, and a redelivery adds nothing. Only events usage-service published
 * (their proof checked) are delivered: anything else put on the stream could otherwise be signed and sent
 * to a tenant's receiver as if it were ours.
 */
export async function startWebhookIntake(
  nc: NatsConnection,
  names: BusNames,
  dataSource: DataSource,
  identity: ServiceIdentity,
  logger: Logger,
  onQueued: () => void,
): Promise<DurableConsumer[]> {
  const consumers: DurableConsumer[] = [];
  for (const busType of WEBHOOK_EVENT_TYPES) {
    const consumer = await DurableConsumer.create(nc, names, {
      durable: webhookIntakeDurable(busType),
      filterSubjects: [names.eventFilter(busType)],
      logger,
      concurrency: 8,
    });
    consumer.start(async (event: ReceivedEvent) => {
      if (!identity.verifyEvent('usage', event.subject, event.payload, event.headers[EVENT_PROOF_HEADER])) {
        logger.error(`${busType} not published by usage-service dropped`, { subject: event.subject, seq: event.seq });
        return;
      }
      const parsed = BusEventEnvelope.safeParse(event.data);
      if (!parsed.success || parsed.data.type !== busType || event.subject !== names.event(parsed.data.tenantId, busType) || Number.isNaN(Date.parse(parsed.data.at))) {
        logger.error(`malformed ${busType} dropped`, { subject: event.subject, seq: event.seq });
        return;
      }
      if (Buffer.byteLength(event.payload, 'utf8') > MAX_BODY_BYTES) {
        logger.error(`${busType} larger than a webhook carries dropped`, { subject: event.subject, seq: event.seq });
        return;
      }
      const { eventId, tenantId, at } = parsed.data;
      const queued: unknown[] = await dataSource.query(
        `INSERT INTO ${SCHEMA}.webhook_deliveries (webhook_id, event_id, tenant_id, event_type, body, next_attempt_at)
         SELECT id, $2, $1, $3, $4, now() FROM ${SCHEMA}.webhooks
          WHERE tenant_id = $1 AND deleted_at IS NULL AND $3 = ANY(events) AND created_at <= $5::timestamptz
         ON CONFLICT (webhook_id, event_id) DO NOTHING
         RETURNING webhook_id`,
        [tenantId, eventId, busType, event.payload, at],
      );
      if (queued.length > 0) onQueued();
    });
    consumers.push(consumer);
  }
  return consumers;
}
