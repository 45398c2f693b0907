import { z } from 'zod';
import { ownerOfSubject, type OperationAccess, type ServiceName } from './service-access.js';

/** A request/reply operation on the bus: subject, the schemas both ends parse with, and who may call it. */
export interface Operation<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly request: Req;
  readonly reply: Res;
  /** The service that handles it (the subject's first segment). */
  readonly owner: ServiceName;
  readonly callers: readonly ServiceName[];
  /**
   * Made on behalf of a person or agent: the request schema has an `actor`. That field never travels in the
   * payload: the caller's token carries the principal and the handler's side sets `actor` from the verified
   * token only.
   */
  readonly onBehalf: boolean;
}

export type RequestOf<O extends Operation> = z.input<O['request']>;
export type ParsedRequestOf<O extends Operation> = z.output<O['request']>;
export type ReplyOf<O extends Operation> = z.output<O['reply']>;

export const defineOperation = <Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  request: Req,
  reply: Res,
  access: OperationAccess,
): Operation<Req, Res> => {
  if (access.callers.length === 0) throw new Error(`operation ${subject} names no caller`);
  const onBehalf = request instanceof z.ZodObject && 'actor' in request.shape;
  return { subject, request, reply, owner: ownerOfSubject(subject), callers: access.callers, onBehalf };
};
