import { SpanKind, context } from '@opentelemetry/api';
import { withSpan } from './span.tracing.js';
import { contextFromHeaders, traceHeaders } from './trace-context.propagation.js';

/**
 * The event type of an `events.<tenantId>.<context>.<event>` subject (namespace prefix or not): span names stay few
 * while the subject, with its tenant, goes in `messaging.destination.name`.
 */
export const eventTypeOf = (subject: string): string => subject.split('.').slice(-2).join('.');

/**
 * A PRODUCER span per message published to NATS (messaging semantic conventions: `messaging.system` nats,
 * `messaging.operation.type` send, `messaging.destination.name`, `messaging.message.id`), named `send <event type>`.
 * Its parent is the trace the message was recorded in (`recorded`: a traceparent kept with it, e.g. in the outbox),
 * else the active context; fn gets the headers to send, which name the span, so consumers continue from it.
 */
export function withProducerSpan<T>(
  subject: string,
  messageId: string,
  recorded: Readonly<Record<string, string>> | undefined,
  fn: (traceHeaders: Record<string, string>) => Promise<T>,
): Promise<T> {
  const parent = recorded?.['traceparent'] !== undefined ? contextFromHeaders((name) => recorded[name]) : context.active();
  const attributes = {
    'messaging.system': 'nats',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'publish',
    'messaging.destination.name': subject,
    'messaging.message.id': messageId,
  };
  return context.with(parent, () =>
    withSpan(`send ${eventTypeOf(subject)}`, { kind: SpanKind.PRODUCER, attributes }, () => fn(traceHeaders())),
  );
}
