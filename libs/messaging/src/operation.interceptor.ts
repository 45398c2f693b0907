import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SpanKind, context, type Span } from '@opentelemetry/api';
import { from, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { appError, fail, type Operation, type Result } from '@switchboard/contracts';
import { BUS_TOKEN_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import { contextFromHeaders, recordError, withSpan } from '@switchboard/telemetry';
import { messagingLogger } from './messaging.logger.js';
import { busOperationDuration } from './messaging.metrics.js';
import { annotateResult } from './result-span.annotation.js';
import { SERVICE_IDENTITY } from './service-identity.module.js';
import { jsonOf, signedReply, withVerifiedActor } from './signed-envelope.js';
import { describeIssues, firstIssue } from './zod-issue.format.js';

export const HANDLED_OPERATION = Symbol('HANDLED_OPERATION');

/** What HandleOperation records on a handler. */
export interface HandledOperation {
  readonly op: Operation;
  /** The namespaced NATS subject. */
  readonly subject: string;
}

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
 * Applied by HandleOperation. Nothing reaches a handler before the caller's token verifies for this operation
 * and payload (and the caller is on the operation's list); the handler's `actor` comes from that token. Every
 * reply carries this service's proof. The handler, and everything it awaits, runs inside the SERVER span
 * continued from the request's traceparent: Nest creates the async scope of the handler when next.handle() is
 * called, which happens here inside the active span.
 */
@Injectable()
export class OperationInterceptor implements NestInterceptor {
  constructor(
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly reflector: Reflector,
  ) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(this.handle(executionContext, next));
  }

  private handle(executionContext: ExecutionContext, next: CallHandler): Promise<unknown> {
    const handled = this.reflector.get<HandledOperation | undefined>(HANDLED_OPERATION, executionContext.getHandler());
    if (handled === undefined) throw new Error('OperationInterceptor is applied by @HandleOperation only');
    const { op, subject } = handled;
    const rpc = executionContext.switchToRpc();
    const header = headersOf(rpc.getContext());
    const parent = contextFromHeaders(header);
    const token = header(BUS_TOKEN_HEADER);
    const attributes = { 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'messaging.destination.name': subject };
    return context.with(parent, () =>
      withSpan(op.subject, { kind: SpanKind.SERVER, attributes }, async (span) => {
        const started = performance.now();
        const result = await this.run(span, op, token, executionContext, next);
        busOperationDuration.observe({ operation: op.subject, outcome: result.ok ? 'ok' : result.error.code }, (performance.now() - started) / 1000);
        annotateResult(span, result);
        return signedReply(this.identity, this.identity.requestIdOf(token), result);
      }),
    );
  }

  private async run(span: Span, op: Operation, token: string | undefined, executionContext: ExecutionContext, next: CallHandler): Promise<Result<unknown>> {
    try {
      const data: unknown = executionContext.switchToRpc().getData();
      const verified = this.identity.verifyRequest(token, op, jsonOf(data));
      if (!verified.ok) {
        messagingLogger('bus').warn('request refused', { subject: op.subject, reason: verified.error.details?.['reason'] });
        return verified;
      }
      span.setAttribute('switchboard.caller', verified.value.caller);
      const parsed = op.request.safeParse(withVerifiedActor(op, data, verified.value.principal));
      if (!parsed.success) {
        return fail(appError('validation_failed', firstIssue(parsed.error), { issues: describeIssues(parsed.error) }));
      }
      // @Payload() reads argument 0 after interceptors ran: the handler receives the parsed value.
      executionContext.getArgs()[0] = parsed.data;
      return (await lastValueFrom(next.handle(), { defaultValue: undefined })) as Result<unknown>;
    } catch (error) {
      // Thrown by the handler, or by a schema transform: either way a bug on this side, not bad input.
      recordError(span, error);
      messagingLogger('bus').error('handler failed', { subject: op.subject, err: error });
      return fail(appError('internal', 'internal error'));
    }
  }
}
