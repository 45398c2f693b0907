import { processCounter, processHistogram } from '@switchboard/telemetry';

/** Served bus operations (request/reply) by operation subject and outcome: `ok` or the error code of the reply. */
export const busOperationDuration = processHistogram({
  name: 'switchboard_bus_operation_duration_seconds',
  help: 'Duration of bus operations (NATS request/reply) this service answered, by operation and outcome (ok or error code)',
  labelNames: ['operation', 'outcome'],
});

/** Events delivered again to a durable consumer (JetStream delivery count above 1), by durable name (namespace-free). */
export const consumerRedeliveries = processCounter({
  name: 'switchboard_consumer_redeliveries_total',
  help: 'Events a durable JetStream consumer received more than once (delivery count above 1), by consumer',
  labelNames: ['consumer'],
});

/** Events a durable consumer finished, by outcome: acked, retried (nak) or dropped (terminated after the last attempt or unparseable). */
export const consumerEvents = processCounter({
  name: 'switchboard_consumer_events_total',
  help: 'Events a durable JetStream consumer handled, by consumer and outcome (acked, retried, dropped)',
  labelNames: ['consumer', 'outcome'],
});
