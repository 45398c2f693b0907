import { Body, Controller, Get, Headers, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '../openapi/openapi.decorators.js';
import { AlertKind, AlertOps, AlertSettingsView, AlertView, PutAlertSettingsBody, pageOf, type Actor, type Page } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { parseIfMatch, versioned } from '../http/etag.js';
import { ApiErrors, ApiIfMatch, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';
import { parseAlertsQuery } from './alerts-query.params.js';

/** Alerts (admin and member keys) and their thresholds (admins change them): thin over AlertOps. */
@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
@UseGuards(AccessGuard)
export class AlertsController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @Access('read')
  @ApiQuery({ name: 'since', required: false, description: 'only alerts raised at or after this ISO-8601 time' })
  @ApiQuery({ name: 'kind', required: false, enum: AlertKind.options })
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s alerts, newest first', pageOf(AlertView))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<Page<AlertView>> {
    const { since, kind, limit, cursor } = parseAlertsQuery(query);
    return unwrap(
      await this.bus.send(AlertOps.list, { actor, ...(since ? { since } : {}), ...(kind ? { kind } : {}), limit, ...(cursor ? { cursor } : {}) }),
    );
  }

  @Get('settings')
  @Access('read')
  @ApiJsonResponse(200, 'the alert thresholds in force, defaults included (ETag: their version)', AlertSettingsView)
  @ApiErrors(403)
  async getSettings(@CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<AlertSettingsView> {
    return versioned(reply, await this.bus.send(AlertOps.getSettings, { actor }));
  }

  /** The fields sent replace the current ones; the others keep their values. */
  @Put('settings')
  @Access('write')
  @ApiIfMatch()
  @ApiJsonBody(PutAlertSettingsBody)
  @ApiJsonResponse(200, 'the alert thresholds now in force (ETag: their new version)', AlertSettingsView)
  @ApiErrors(400, 403, 412)
  async putSettings(
    @Body(new ZodBodyPipe(PutAlertSettingsBody)) changes: PutAlertSettingsBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AlertSettingsView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return versioned(reply, await this.bus.send(AlertOps.putSettings, { actor, changes, expectedVersion }));
  }
}
