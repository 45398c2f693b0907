import { Inject } from '@nestjs/common';
import { CredentialsOps, ok, transportKeyStatement, type StatementSignature } from '@switchboard/contracts';
import { QueryOperation, SERVICE_IDENTITY } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';
import type { OperationHandler, OpResult } from '../../shared/credentials-ops.types.js';
import { ServiceKeys } from '../service-keys.js';

/**
 * The public key the gateway seals secret values to before they cross the bus, signed with this service's
 * identity key so that only a key credentials-service vouches for is ever used.
 */
@QueryOperation(CredentialsOps.transportKey)
export class TransportKeyHandler implements OperationHandler<'transportKey'> {
  private signed: { readonly publicKey: string; readonly signature: StatementSignature } | null = null;

  constructor(
    private readonly keys: ServiceKeys,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  async execute(): OpResult<'transportKey'> {
    const keys = this.keys.current();
    if (!keys.ok) return keys;
    const { publicKey } = keys.value.transport;
    if (this.signed?.publicKey !== publicKey) this.signed = { publicKey, signature: this.identity.signStatement(transportKeyStatement(publicKey)) };
    return ok(this.signed);
  }
}
