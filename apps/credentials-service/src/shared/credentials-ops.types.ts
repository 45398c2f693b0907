import type { CredentialsOps, ParsedRequestOf, ReplyOf, Result, WebhookSecretOps } from '@switchboard/contracts';

type Ops = typeof CredentialsOps & {
  readonly webhookSecretCreate: typeof WebhookSecretOps.create;
  readonly webhookSecretSign: typeof WebhookSecretOps.sign;
  readonly webhookSecretDestroy: typeof WebhookSecretOps.destroy;
};

/** The request of an operation as the bus boundary parsed it (defaults applied). */
export type OpRequest<K extends keyof Ops> = ParsedRequestOf<Ops[K]>;
export type OpReply<K extends keyof Ops> = ReplyOf<Ops[K]>;
export type OpResult<K extends keyof Ops> = Promise<Result<OpReply<K>>>;

/** One use case: what a controller method delegates to. */
export interface OperationHandler<K extends keyof Ops> {
  execute(request: OpRequest<K>): OpResult<K>;
}
