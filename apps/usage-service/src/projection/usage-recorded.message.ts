import { z } from 'zod';
import { BusEventEnvelope, Id, UsageRecorded, type BusNames } from '@switchboard/contracts';

/** `usage.recorded` as the gateway publishes it: the envelope plus the call; `at` is when the call finished. */
export const UsageRecordedMessage = BusEventEnvelope.extend({
  ...UsageRecorded.shape,
  tenantId: Id,
  requestId: z.string().min(1).max(100),
  at: z.iso.datetime({ offset: true }),
});
export type UsageRecordedMessage = z.infer<typeof UsageRecordedMessage>;

/** Why a message was dropped, without any of its values (they may be anything a broken publisher sent). */
export interface RejectedMessage {
  readonly reason: 'invalid' | 'foreign_subject';
  readonly path?: string;
  readonly issue?: string;
}

export type ParsedUsageMessage = { readonly ok: true; readonly call: UsageRecordedMessage } | { readonly ok: false; readonly rejected: RejectedMessage };

/**
 * Parses one message off the stream. A call filed under another tenant's subject is refused: the subject is
 * what the stream's per-tenant filters and permissions rely on, so it must agree with the payload.
 */
export function parseUsageMessage(names: BusNames, subject: string, data: unknown): ParsedUsageMessage {
  const parsed = UsageRecordedMessage.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, rejected: { reason: 'invalid', path: issue?.path.join('.') ?? '', issue: issue?.code ?? 'unknown' } };
  }
  if (subject !== names.event(parsed.data.tenantId, 'usage.recorded')) return { ok: false, rejected: { reason: 'foreign_subject' } };
  return { ok: true, call: parsed.data };
}
