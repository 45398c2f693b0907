import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { SpanKind, context } from '@opentelemetry/api';
import { from, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { appError, fail } from '@switchboard/contracts';
import type { Operation } from '@switchboard/contracts';
import { contextFromHeaders, recordError, withSpan } from '@switchboard/telemetry';
import { messagingLogger } from './messaging.logger.js';
import { annotateResult } from './result-span.annotation.js';
import { describeIssues, firstIssue } from './zod-issue.format.js';

interface HeaderSource {
  get(name: string): string;
}

function isHeaderSource(value: unknown): value is HeaderSource {
  return typeof value === 'object' && value !== null && typeof (value as HeaderSource).get === 'function';
}

/** NatsContext.getHeaders() returns nats MsgHdrs, or undefined when the request carried none. */
function headersOf(rpcContext: unknown): (name: string) => string | undefined {
  const getHeaders = (rpcContext as { getHeaders?: () => unknown } | undefined)?.getHeaders;
  const headers = typeof getHeaders === 'function' ? getHeaders.call(rpcContext) : undefined;
  return isHeaderSource(headers) ? (name) => headers.get(name) || undefined : () => undefined;
}

/**
 * Applied by HandleOperation. The handler, and everything it awaits, runs inside the SERVER span continued
 * from the request's traceparent: Nest creates the async scope of the handler when next.handle() is called,
 * which happens here inside the active span.
 */
export class OperationInterceptor implements NestInterceptor {
  constructor(
    private readonly op: Operation,
    private readonly subject: string,
  ) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(this.handle(executionContext, next));
  }

  private handle(executionContext: ExecutionContext, next: CallHandler): Promise<unknown> {
    const rpc = executionContext.switchToRpc();
    const parent = contextFromHeaders(headersOf(rpc.getContext()));
    const attributes = {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': this.subject,
    };
    return context.with(parent, () =>
      withSpan(this.op.subject, { kind: SpanKind.SERVER, attributes }, async (span) => {
        try {
          const parsed = this.op.request.safeParse(rpc.getData());
          if (!parsed.success) {
            const issues = describeIssues(parsed.error);
            const result = fail(appError('validation_failed', firstIssue(parsed.error), { issues }));
            annotateResult(span, result);
            return result;
          }
          // @Payload() reads argument 0 after interceptors ran: the handler receives the parsed value.
          executionContext.getArgs()[0] = parsed.data;
          const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
          annotateResult(span, result);
          return result;
        } catch (error) {
          // Thrown by the handler, or by a schema transform: either way a bug on this side, not bad input.
          recordError(span, error);
          span.setAttribute('switchboard.error_code', 'internal');
          messagingLogger('bus').error('handler failed', { subject: this.op.subject, err: error });
          return fail(appError('internal', 'internal error'));
        }
      }),
    );
  }
}
