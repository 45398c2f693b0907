import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateModelBody, ModelView, ProvidersOps, type Actor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, listOf } from '../openapi/zod-openapi.js';

/** Models live under their provider when listed or added, and on their own when removed. */
@ApiTags('models')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(AccessGuard)
export class ModelsController {
  constructor(private readonly bus: BusClient) {}

  @Get('providers/:id/models')
  @Access('read')
  @ApiJsonResponse(200, 'the provider’s models', listOf(ModelView))
  @ApiErrors(403, 404)
  async list(
    @Param('id', new IdParamPipe('provider')) providerId: string,
    @CurrentActor() actor: Actor,
  ): Promise<{ data: ModelView[] }> {
    return unwrap(await this.bus.send(ProvidersOps.listModels, { actor, providerId }));
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
