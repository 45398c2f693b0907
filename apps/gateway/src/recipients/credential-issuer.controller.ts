import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '../openapi/openapi.decorators.js';
import { CredentialIssuerView } from '@switchboard/contracts';
import { SERVICE_IDENTITY } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';
import { ApiJsonResponse } from '../openapi/zod-openapi.js';

/**
 * The public keys credential.issued is signed with (credentials-service's, from the trust list every service
 * reads), for orchestrators to pin. Public, like any published verification key: no access key needed.
 */
@ApiTags('recipients')
@Controller('v1/credential-issuer')
export class CredentialIssuerController {
  constructor(@Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity) {}

  @Get()
  @ApiJsonResponse(200, 'the keys that sign credential.issued', CredentialIssuerView)
  keys(): CredentialIssuerView {
    return { keys: this.identity.trusted.keysOf('credentials').map(({ keyId, publicKey }) => ({ keyId, publicKey })) };
  }
}
