import { UseInterceptors, applyDecorators } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { Operation } from '@switchboard/contracts';
import { busNamesFromEnv } from './nats.config.js';
import { OperationInterceptor } from './operation.interceptor.js';

/**
 * Marks a controller method as the handler of op:
 *   @HandleOperation(RegisterProvider)
 *   async register(@Payload() request: ParsedRequestOf<typeof RegisterProvider>): Promise<Result<ReplyOf<...>>>
 * The subject is namespaced with SWITCHBOARD_NAMESPACE as read when the decorator is evaluated, i.e. when the
 * controller's module is imported; set the environment before that import.
 * The request is parsed with op.request before the handler runs (invalid → validation_failed reply); a thrown
 * error becomes an `internal` reply and is logged.
 */
export function HandleOperation(op: Operation): MethodDecorator {
  const subject = busNamesFromEnv().command(op.subject);
  return applyDecorators(MessagePattern(subject), UseInterceptors(new OperationInterceptor(op, subject)));
}
