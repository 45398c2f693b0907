import type { z } from 'zod';

/** A request/reply operation on the bus: subject plus the schemas both ends parse with. */
export interface Operation<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly request: Req;
  readonly reply: Res;
}

export type RequestOf<O extends Operation> = z.input<O['request']>;
export type ParsedRequestOf<O extends Operation> = z.output<O['request']>;
export type ReplyOf<O extends Operation> = z.output<O['reply']>;

export const defineOperation = <Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  request: Req,
  reply: Res,
): Operation<Req, Res> => ({ subject, request, reply });
