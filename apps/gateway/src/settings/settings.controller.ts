import { Body, Controller, Get, Headers, Patch, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { ProvidersOps, TenantSettingsView, UpdateTenantSettingsBody, type Actor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { parseIfMatch, versioned } from '../http/etag.js';
import { ApiErrors, ApiIfMatch, ApiJsonBody, ApiJsonResponse } from '../openapi/zod-openapi.js';

/**
 * The tenant's own settings. `unpricedModels: refuse` makes the proxy answer 403 for a model with no known price
 * (neither set on the model nor in the price catalogue), so no call goes uncosted.
 */
@ApiTags('settings')
@ApiBearerAuth()
@Controller('v1/settings')
@UseGuards(AccessGuard)
export class SettingsController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @Access('read')
  @ApiJsonResponse(200, 'the tenant’s settings (ETag: the tenant’s version)', TenantSettingsView)
  @ApiErrors(403)
  async get(@CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantSettingsView> {
    return versioned(reply, await this.bus.send(ProvidersOps.getTenantSettings, { actor }));
  }

  @Patch()
  @Access('admin')
  @ApiIfMatch()
  @ApiJsonBody(UpdateTenantSettingsBody)
  @ApiJsonResponse(200, 'the updated settings (ETag: the tenant’s new version)', TenantSettingsView)
  @ApiErrors(400, 403, 412)
  async update(
    @Body(new ZodBodyPipe(UpdateTenantSettingsBody)) changes: UpdateTenantSettingsBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantSettingsView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return versioned(reply, await this.bus.send(ProvidersOps.updateTenantSettings, { actor, expectedVersion, changes }));
  }
}
