import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import {
  CreatedWebhookView,
  CreateWebhookBody,
  WebhookDeliveryView,
  WebhookOps,
  WebhookView,
  pageOf,
  type Actor,
  type Page,
  type TenantActor,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { generateRecipientKeyPair, openFromTransport } from '@switchboard/sealing';
import { z } from 'zod';
import { Access, AccessGuard, CurrentActor, CurrentTenantActor } from '../auth/access.guard.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';

const SealedSecretValue = z.object({ value: z.string().startsWith('whsec_') });

/**
 * Webhooks: thin over WebhookOps (usage-service). The signing secret is made by credentials-service and sealed
 * to a key pair this gateway makes for the one create call; it is opened here only to be put in the 201 body,
 * and never logged or kept.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
@UseGuards(AccessGuard)
export class WebhooksController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateWebhookBody)
  @ApiJsonResponse(201, 'webhook registered; secret (whsec_…) is shown only here', CreatedWebhookView)
  @ApiErrors(400, 403, 409)
  async create(@Body(new ZodBodyPipe(CreateWebhookBody)) body: CreateWebhookBody, @CurrentTenantActor() actor: TenantActor): Promise<CreatedWebhookView> {
    const replyKey = generateRecipientKeyPair();
    const created = unwrap(await this.bus.send(WebhookOps.create, { actor, url: body.url, events: body.events, replyKey: replyKey.publicKey }));
    const { sealedSecret, ...view } = created;
    const opened = openFromTransport(sealedSecret, replyKey.privateKey, { purpose: 'webhook.secret', tenantId: actor.tenantId, subject: view.id });
    if (!opened.ok) throw new ApiErrorException('internal', 'the webhook secret could not be opened');
    try {
      const parsed = SealedSecretValue.safeParse(JSON.parse(opened.value.toString('utf8')));
      if (!parsed.success) throw new ApiErrorException('internal', 'the webhook secret is malformed');
      return { ...view, secret: parsed.data.value };
    } finally {
      opened.value.fill(0);
    }
  }

  @Get()
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s webhooks, oldest first', pageOf(WebhookView))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<Page<WebhookView>> {
    return unwrap(await this.bus.send(WebhookOps.list, { actor, ...parseListQuery(query) }));
  }

  @Get(':id')
  @Access('read')
  @ApiJsonResponse(200, 'the webhook (never its secret)', WebhookView)
  @ApiErrors(403, 404)
  async get(@Param('id', new IdParamPipe('webhook')) id: string, @CurrentActor() actor: Actor): Promise<WebhookView> {
    return unwrap(await this.bus.send(WebhookOps.get, { actor, id }));
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('write')
  @ApiJsonResponse(204, 'deleted; its secret is destroyed and its pending deliveries cancelled')
  @ApiErrors(403, 404)
  async delete(@Param('id', new IdParamPipe('webhook')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    unwrap(await this.bus.send(WebhookOps.delete, { actor, id }));
  }

  @Get(':id/deliveries')
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'the delivery log, one row per attempt, newest first', pageOf(WebhookDeliveryView))
  @ApiErrors(400, 403, 404)
  async deliveries(@Param('id', new IdParamPipe('webhook')) id: string, @Query() query: unknown, @CurrentActor() actor: Actor): Promise<Page<WebhookDeliveryView>> {
    return unwrap(await this.bus.send(WebhookOps.deliveries, { actor, id, ...parseListQuery(query) }));
  }
}
