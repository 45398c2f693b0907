import { WebhookSecretOps, type WebhookDeliveryView } from '@switchboard/contracts';
import { BackgroundLoop } from '@switchboard/event-store';
import type { BusClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import type { UpstreamClient } from '@switchboard/upstream';
import type { DataSource } from 'typeorm';
import { SCHEMA } from '../projection/usage.migrations.js';
import { returnedRows } from './webhook.queries.js';
import { nextAttemptAt } from './webhook.schedule.js';

/** A receiver has this long to answer (connect, headers and body); past it the attempt failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * A claimed delivery is not due again for this long: the instance that claimed it attempts it meanwhile (signing
 * and at most DELIVERY_TIMEOUT_MS of POST). Should that instance die mid-attempt, another one tries again after
 * the lease (at least once; receivers dedupe on webhook-id).
 */
const CLAIM_LEASE_SECONDS = 30;

export interface WebhookWorkerOptions {
  /** Between polls when nothing is due (default 500 ms); new deliveries wake the worker at once. */
  readonly pollMs?: number;
  /** Deliveries attempted at once per instance (default 16). */
  readonly batchSize?: number;
}

interface ClaimedDelivery {
  webhook_id: string;
  event_id: string;
  tenant_id: string;
  event_type: string;
  body: string;
  attempts: number;
  first_attempt_at: Date;
  url: string;
  secret_id: string;
}

interface Outcome {
  readonly status: WebhookDeliveryView['status'];
  readonly responseStatus: number | null;
  readonly error: string | null;
}

/**
 * Attempts due deliveries: claims them with FOR UPDATE SKIP LOCKED (so instances share the work), has each
 * signed by credentials-service, POSTs it through the upstream client (egress rules checked at connect for the
 * webhook's tenant, redirects not followed, the answer's body never read), and records the attempt in the log
 * with success, a retry at the schedule's next time, or giving up.
 */
export class WebhookDeliveryWorker {
  private readonly loop: BackgroundLoop;
  private readonly batchSize: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: BusClient,
    private readonly upstream: UpstreamClient,
    private readonly logger: Logger,
    options: WebhookWorkerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 16;
    this.loop = new BackgroundLoop(
      {
        pass: async () => (await this.pass()) === this.batchSize,
        onFailure: (error, failures, retryInMs) => {
          this.logger.warn('webhook delivery pass failed; retrying', { error: (error as Error).message, failures, retryInMs });
        },
      },
      { pollMs: options.pollMs ?? 500, backoffBaseMs: 500, backoffMaxMs: 15_000 },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New deliveries are due now: the next pass starts without waiting out the poll interval. */
  notify(): void {
    this.loop.notify();
  }

  /** One pass: claims up to batchSize due deliveries and attempts them all; answers how many. */
  async pass(): Promise<number> {
    const claimed = returnedRows<ClaimedDelivery>(
      await this.dataSource.query(
        `UPDATE ${SCHEMA}.webhook_deliveries d
            SET attempts = d.attempts + 1, first_attempt_at = coalesce(d.first_attempt_at, now()),
                next_attempt_at = now() + make_interval(secs => $2)
           FROM (SELECT webhook_id, event_id FROM ${SCHEMA}.webhook_deliveries
                  WHERE state = 'pending' AND next_attempt_at <= now()
                  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due,
                ${SCHEMA}.webhooks w
          WHERE d.webhook_id = due.webhook_id AND d.event_id = due.event_id AND w.id = d.webhook_id
        RETURNING d.webhook_id, d.event_id, d.tenant_id, d.event_type, d.body, d.attempts, d.first_attempt_at, w.url, w.secret_id`,
        [this.batchSize, CLAIM_LEASE_SECONDS],
      ),
    );
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery);
    const now = new Date();
    let status = outcome.status;
    let next: Date | null = null;
    if (status === 'failed') {
      next = nextAttemptAt(delivery.attempts, delivery.first_attempt_at, now);
      if (next === null) status = 'given_up';
    }
    await this.dataSource.transaction(async (tx) => {
      // An earlier attempt whose instance died before recording it (its claim ran out) is logged as interrupted.
      await tx.query(
        `INSERT INTO ${SCHEMA}.webhook_attempts (webhook_id, event_id, event_type, attempt, status, response_status, error, at)
         SELECT $1, $2, $3, earlier, 'failed', NULL, 'interrupted: the instance making it stopped before recording it', $5
           FROM generate_series(1, $4::int - 1) AS earlier
         ON CONFLICT (webhook_id, event_id, attempt) DO NOTHING`,
        [delivery.webhook_id, delivery.event_id, delivery.event_type, delivery.attempts, now],
      );
      await tx.query(
        `INSERT INTO ${SCHEMA}.webhook_attempts (webhook_id, event_id, event_type, attempt, status, response_status, error, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (webhook_id, event_id, attempt) DO NOTHING`,
        [delivery.webhook_id, delivery.event_id, delivery.event_type, delivery.attempts, status, outcome.responseStatus, outcome.error, now],
      );
      await tx.query(
        `UPDATE ${SCHEMA}.webhook_deliveries SET state = $3, next_attempt_at = coalesce($4, next_attempt_at)
          WHERE webhook_id = $1 AND event_id = $2 AND state = 'pending'`,
        [delivery.webhook_id, delivery.event_id, status === 'failed' ? 'pending' : status, next],
      );
    });
    if (status !== 'delivered') {
      this.logger.info('webhook delivery failed', {
        webhookId: delivery.webhook_id,
        eventId: delivery.event_id,
        attempt: delivery.attempts,
        status,
        responseStatus: outcome.responseStatus,
        error: outcome.error,
      });
    }
  }

  private async send(delivery: ClaimedDelivery): Promise<Outcome> {
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = await this.bus.send(WebhookSecretOps.sign, {
      tenantId: delivery.tenant_id,
      secretId: delivery.secret_id,
      msgId: delivery.event_id,
      timestamp,
      body: delivery.body,
    });
    if (!signed.ok) return { status: 'failed', responseStatus: null, error: `not signed: ${signed.error.code}` };
    const sent = await this.upstream.request({
      tenantId: delivery.tenant_id,
      url: delivery.url,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signed.value.signature,
      },
      body: delivery.body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      timeouts: { headersMs: DELIVERY_TIMEOUT_MS, bodyIdleMs: DELIVERY_TIMEOUT_MS },
    });
    if (!sent.ok) return { status: 'failed', responseStatus: sent.error.status ?? null, error: `${sent.error.kind}: ${sent.error.message}`.slice(0, 300) };
    // Nothing the receiver says is kept or relayed: only its status counts. Destroying the body emits an abort
    // error on it, which must not go unhandled.
    sent.value.body.on('error', () => undefined);
    sent.value.body.destroy();
    const { status } = sent.value;
    return status >= 200 && status < 300
      ? { status: 'delivered', responseStatus: status, error: null }
      : { status: 'failed', responseStatus: status, error: `answered ${status}` };
  }
}
