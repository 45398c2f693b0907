import type { PipeTransform } from '@nestjs/common';
import { ID_PATTERN, ID_PREFIXES, type ErrorCode, type IdKind } from '@switchboard/contracts';
import { ApiErrorException } from './api-error.exception.js';

type NotFoundCode = Extract<ErrorCode, `${string}_not_found`>;

const NOT_FOUND: Partial<Record<IdKind, NotFoundCode>> = {
  tenant: 'tenant_not_found',
  key: 'key_not_found',
  provider: 'provider_not_found',
  model: 'model_not_found',
  agent: 'agent_not_found',
  secret: 'secret_not_found',
  recipient: 'recipient_not_found',
  webhook: 'webhook_not_found',
};

/**
 * A path id of the wrong shape cannot name anything, so it gets the same 404 an unknown id gets,
 * without a bus round trip.
 */
export class IdParamPipe implements PipeTransform<unknown, string> {
  private readonly prefix: string;
  private readonly code: NotFoundCode | 'not_found';

  constructor(private readonly kind: IdKind) {
    this.prefix = `${ID_PREFIXES[kind]}_`;
    this.code = NOT_FOUND[kind] ?? 'not_found';
  }

  transform(value: unknown): string {
    if (typeof value === 'string' && value.startsWith(this.prefix) && ID_PATTERN.test(value)) return value;
    throw new ApiErrorException(this.code, `${this.kind} not found`);
  }
}
