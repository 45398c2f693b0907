import { Controller, Get, Headers } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { Principal } from '@switchboard/contracts';
import { bearerKey } from '../auth/access-key.js';
import { KeyResolver } from '../auth/key.resolver.js';
import { ApiErrorException } from '../http/api-error.exception.js';
import { ApiErrors, ApiJsonResponse } from '../openapi/zod-openapi.js';

/**
 * Who the presented key is: any valid key may ask about itself (a caller learns nothing it did not already hold),
 * so the console can refuse agent and operator keys with a reason rather than a bare 403.
 */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(private readonly keys: KeyResolver) {}

  @Get()
  @ApiJsonResponse(200, 'the calling key: its id, tenant (null for the operator key), role and agent', Principal)
  @ApiErrors(401)
  async me(@Headers('authorization') authorization: string | undefined): Promise<Principal> {
    const key = bearerKey(authorization);
    if (key === null) throw new ApiErrorException('unauthorized', 'send an access key as Authorization: Bearer <key>');
    const principal = await this.keys.resolve(key);
    if (principal === null) throw new ApiErrorException('unauthorized', 'unknown or revoked access key');
    return { keyId: principal.keyId, tenantId: principal.tenantId, role: principal.role, agentId: principal.agentId };
  }
}
