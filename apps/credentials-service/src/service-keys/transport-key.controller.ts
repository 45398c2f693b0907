import { Controller } from '@nestjs/common';
import { CredentialsOps, ok } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpResult } from '../shared/credentials-ops.types.js';
import { ServiceKeys } from './service-keys.js';

@Controller()
export class TransportKeyController {
  constructor(private readonly keys: ServiceKeys) {}

  /** The public key the gateway seals secret values to before they cross the bus. */
  @HandleOperation(CredentialsOps.transportKey)
  async transportKey(): OpResult<'transportKey'> {
    const keys = this.keys.current();
    return keys.ok ? ok({ publicKey: keys.value.transport.publicKey }) : keys;
  }
}
