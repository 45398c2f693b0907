import { SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { Operation } from '@switchboard/contracts';
import { busNamesFromEnv } from './nats.config.js';
import { HANDLED_OPERATION, OperationInterceptor, type HandledOperation } from './operation.interceptor.js';

/**
 * Marks a controller method as the handler of op:
 *   @HandleOperation(RegisterProvider)
 *   async register(@Payload() request: ParsedRequestOf<typeof RegisterProvider>): Promise<Result<ReplyOf<...>>>
 * The subject is namespaced with SWITCHBOARD_NAMESPACE as read when the decorator is evaluated, i.e. when the
 * controller's module is imported; set the environment before that import.
 * The caller's token is verified and the request parsed with op.request before the handler runs (refused →
 * caller_refused, invalid → validation_failed); a thrown error becomes an `internal` reply and is logged. The
 * app must provide the service's identity (ServiceIdentityModule.around).
 */
export function HandleOperation(op: Operation): MethodDecorator {
  const handled: HandledOperation = { op, subject: busNamesFromEnv().command(op.subject) };
  return applyDecorators(MessagePattern(handled.subject), SetMetadata(HANDLED_OPERATION, handled), UseInterceptors(OperationInterceptor));
}
