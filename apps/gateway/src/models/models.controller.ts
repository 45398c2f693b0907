import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { CreateModelBody, ModelView, ProvidersOps, pageOf, type Actor, type Page } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';

/** Models live under their provider when listed or added, and on their own when removed. */
@ApiTags('models')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(AccessGuard)
export class ModelsController {
  constructor(private readonly bus: BusClient) {}

  @Get('providers/:id/models')
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the provider’s models, oldest first', pageOf(ModelView))
  @ApiErrors(400, 403, 404)
  async list(
    @Param('id', new IdParamPipe('provider')) providerId: string,
    @Query() query: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ModelView>> {
    return unwrap(await this.bus.send(ProvidersOps.listModels, { actor, providerId, ...parseListQuery(query) }));
  }

  @Post('providers/:id/models')
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateModelBody)
  @ApiJsonResponse(201, 'model added', ModelView)
  @ApiErrors(400, 403, 404, 409)
  async add(
    @Param('id', new IdParamPipe('provider')) providerId: string,
    @Body(new ZodBodyPipe(CreateModelBody)) body: CreateModelBody,
    @CurrentActor() actor: Actor,
  ): Promise<ModelView> {
    return unwrap(await this.bus.send(ProvidersOps.addModel, { actor, providerId, body }));
  }

  @Delete('models/:id')
  @HttpCode(204)
  @Access('write')
  @ApiJsonResponse(204, 'removed')
  @ApiErrors(403, 404)
  async remove(@Param('id', new IdParamPipe('model')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    unwrap(await this.bus.send(ProvidersOps.removeModel, { actor, id }));
  }
}
