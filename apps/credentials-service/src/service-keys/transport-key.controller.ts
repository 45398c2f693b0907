import { Controller, Inject } from '@nestjs/common';
import { CredentialsOps, ok, transportKeyStatement, type StatementSignature } from '@switchboard/contracts';
import { HandleOperation, SERVICE_IDENTITY } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';
import type { OpResult } from '../shared/credentials-ops.types.js';
import { ServiceKeys } from './service-keys.js';

@Controller()
export class TransportKeyController {
  private signed: { readonly publicKey: string; readonly signature: StatementSignature } | null = null;

  constructor(
    private readonly keys: ServiceKeys,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  /**
   * The public key the gateway seals secret values to before they cross the bus, signed with this service's
   * identity key so that only a key credentials-service vouches for is ever used.
   */
  @HandleOperation(CredentialsOps.transportKey)
  async transportKey(): OpResult<'transportKey'> {
    const keys = this.keys.current();
    if (!keys.ok) return keys;
    const { publicKey } = keys.value.transport;
    if (this.signed?.publicKey !== publicKey) this.signed = { publicKey, signature: this.identity.signStatement(transportKeyStatement(publicKey)) };
    return ok(this.signed);
  }
}
