import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateTenantBody, ProvidersOps, newId, type Actor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { z } from 'zod';
import { generateAccessKey, hashAccessKey } from '../auth/access-key.js';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse } from '../openapi/zod-openapi.js';

const CreatedTenant = z.object({ id: z.string(), name: z.string(), adminKey: z.string() });

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
@UseGuards(AccessGuard)
export class TenantsController {
  constructor(private readonly bus: BusClient) {}

  /** The admin key is generated here and only its hash travels; this response is the one place it appears. */
  @Post()
  @HttpCode(201)
  @Access('operator')
  @ApiJsonBody(CreateTenantBody)
  @ApiJsonResponse(201, 'tenant created; adminKey is shown only here', CreatedTenant)
  @ApiErrors(400, 403)
  async create(
    @Body(new ZodBodyPipe(CreateTenantBody)) body: CreateTenantBody,
    @CurrentActor() actor: Actor,
  ): Promise<z.infer<typeof CreatedTenant>> {
    const adminKey = generateAccessKey();
    const tenant = unwrap(
      await this.bus.send(ProvidersOps.createTenant, {
        actor,
        name: body.name,
        adminKeyId: newId('key'),
        adminKeyHash: hashAccessKey(adminKey),
      }),
    );
    return { id: tenant.id, name: tenant.name, adminKey };
  }
}
