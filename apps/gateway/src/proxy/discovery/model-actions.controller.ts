import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../../openapi/openapi.decorators.js';
import { ModelView, type TenantActor } from '@switchboard/contracts';
import { z } from 'zod';
import { Access, AccessGuard, CurrentTenantActor } from '../../auth/access.guard.js';
import { unwrap } from '../../http/api-error.exception.js';
import { IdParamPipe } from '../../http/id-param.pipe.js';
import { ApiErrors, ApiJsonResponse, listOf } from '../../openapi/zod-openapi.js';
import { ModelDiscovery, type ModelTestResult } from './model-discovery.service.js';

const ModelTestView = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** Discovery and the Test action call the upstream, so they are admin actions (they spend the tenant's quota). */
@ApiTags('models')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(AccessGuard)
export class ModelActionsController {
  constructor(private readonly discovery: ModelDiscovery) {}

  // `::` is find-my-way's escape for a literal colon (AIP-136 custom method).
  @Post('providers/:id/models::discover')
  @HttpCode(200)
  @Access('admin')
  @ApiJsonResponse(200, 'the provider’s models after recording what its /models lists', listOf(ModelView))
  @ApiErrors(400, 403, 404, 503)
  async discover(@Param('id', new IdParamPipe('provider')) id: string, @CurrentTenantActor() actor: TenantActor): Promise<{ data: ModelView[] }> {
    return unwrap(await this.discovery.discover(actor, id));
  }

  @Post('models/:id/test')
  @HttpCode(200)
  @Access('admin')
  @ApiJsonResponse(200, 'whether the smallest real call (max_tokens 1) succeeded, and how long it took', ModelTestView)
  @ApiErrors(403, 404, 503)
  async test(@Param('id', new IdParamPipe('model')) id: string, @CurrentTenantActor() actor: TenantActor): Promise<ModelTestResult> {
    return unwrap(await this.discovery.test(actor, id));
  }
}
