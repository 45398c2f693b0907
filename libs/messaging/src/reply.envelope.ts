import { TimeoutError } from 'rxjs';
import { z } from 'zod';
import { ERROR_CODES, appError, fail, ok } from '@switchboard/contracts';
import type { AppError, Operation, ReplyOf, Result } from '@switchboard/contracts';
import { firstIssue } from './zod-issue.format.js';

const ReplyEnvelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);

/**
 * A reply is trusted only after it parses as the Result envelope and, when ok, as op.reply: a service built
 * from an older contract must surface as an error here, not as a wrongly typed value deeper in the caller.
 */
export function parseReply<O extends Operation>(op: O, raw: unknown): Result<ReplyOf<O>> {
  const envelope = ReplyEnvelope.safeParse(raw);
  if (!envelope.success) {
    return fail(appError('internal', `invalid reply to ${op.subject}: ${firstIssue(envelope.error)}`));
  }
  if (!envelope.data.ok) return fail(envelope.data.error as AppError);
  const value = op.reply.safeParse(envelope.data.value);
  if (!value.success) {
    return fail(appError('internal', `invalid reply to ${op.subject}: ${firstIssue(value.error)}`));
  }
  return ok(value.data as ReplyOf<O>);
}

/**
 * Errors raised on the way to a reply. Transport failures (timeout, no responders, connection lost: Errors
 * and, from Nest's NATS client while reconnecting, bare strings) mean the service is unreachable right now;
 * a plain object is an error packet the remote Nest sent back, i.e. a failure inside the service.
 * Raw driver messages stay out of the AppError: it may travel to an API client.
 */
export function transportFailure(subject: string, error: unknown, timeoutMs: number): AppError {
  if (error instanceof TimeoutError) return appError('unavailable', `no reply from ${subject} within ${timeoutMs} ms`);
  if (error instanceof Error && error.message.startsWith('Empty response')) {
    return appError('unavailable', `no service is answering ${subject}`);
  }
  if (error instanceof Error || typeof error === 'string') {
    return appError('unavailable', `${subject} is unreachable: the message bus is not connected`);
  }
  return appError('internal', `${subject} failed in the remote service`);
}
