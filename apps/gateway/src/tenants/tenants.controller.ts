import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import {
  CreateTenantBody,
  CredentialsOps,
  ProvidersOps,
  PutTenantQuotasBody,
  QUOTA_OWNERS,
  TenantQuotasView,
  WebhookOps,
  newId,
  type Actor,
  type OwnedTenantQuotas,
  type QuotaOwner,
  type TenantQuotaChanges,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { z } from 'zod';
import { generateAccessKey, hashAccessKey } from '../auth/access-key.js';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse } from '../openapi/zod-openapi.js';

const CreatedTenant = z.object({ id: z.string(), name: z.string(), adminKey: z.string() });
/** `keyDeletionDate`: when the KMS forgets the tenant's key for good (aws: the end of its pending-deletion window). */
const DeletedTenant = z.object({ id: z.string(), keyDeletionDate: z.string().nullable() });

/** The changes a service keeps: each kind goes to the service that counts it (QUOTA_OWNERS). */
function changesFor(owner: QuotaOwner, body: PutTenantQuotasBody): TenantQuotaChanges {
  return Object.fromEntries(Object.entries(body).filter(([kind]) => QUOTA_OWNERS[kind as keyof typeof QUOTA_OWNERS] === owner));
}

/** The services' parts make the whole view; a part that lacks a kind is a service built from another contract. */
function wholeView(...parts: OwnedTenantQuotas[]): TenantQuotasView {
  const parsed = TenantQuotasView.safeParse(Object.assign({}, ...parts));
  if (!parsed.success) throw new ApiErrorException('internal', 'a service answered tenant quotas without all its kinds');
  return parsed.data;
}

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

  /**
   * Crypto-shredding, in three steps that each hold alone: providers-service makes the tenant unusable (keys revoked,
   * agents stopped, 404 from then on), credentials-service destroys the tenant's KMS key (after which no wrapped data
   * key of the tenant opens, from the database, the event stream or any backup), providers-service records TenantDeleted
   * (`tenant.deleted`). Should a step fail (KMS down: 503), the same DELETE again resumes it, since the first step
   * accepts a deletion already started; once it completed, a DELETE answers 404 like any unknown tenant.
   */
  @Delete(':id')
  @HttpCode(202)
  @Access('operator')
  @ApiJsonResponse(202, 'the tenant is deleted and its data keys are destroyed at the KMS', DeletedTenant)
  @ApiErrors(403, 404, 503)
  async delete(@Param('id', new IdParamPipe('tenant')) tenantId: string, @CurrentActor() actor: Actor): Promise<z.infer<typeof DeletedTenant>> {
    unwrap(await this.bus.send(ProvidersOps.beginTenantDeletion, { actor, tenantId }));
    const shredded = unwrap(await this.bus.send(CredentialsOps.shredTenant, { actor, tenantId }));
    unwrap(await this.bus.send(ProvidersOps.completeTenantDeletion, { actor, tenantId, ...shredded }));
    return { id: tenantId, keyDeletionDate: shredded.keyDeletionDate };
  }

  /** providers-service first: it knows whether the tenant exists, and nothing else is asked when it does not. */
  @Get(':id/quotas')
  @Access('operator')
  @ApiJsonResponse(200, 'the tenant’s quotas: limit in force, whether it is the tenant’s own or the default, and what is used', TenantQuotasView)
  @ApiErrors(403, 404)
  async quotas(@Param('id', new IdParamPipe('tenant')) tenantId: string, @CurrentActor() actor: Actor): Promise<TenantQuotasView> {
    const providers = unwrap(await this.bus.send(ProvidersOps.tenantQuotas, { actor, tenantId }));
    const credentials = unwrap(await this.bus.send(CredentialsOps.tenantQuotas, { actor, tenantId }));
    const usage = unwrap(await this.bus.send(WebhookOps.tenantQuotas, { actor, tenantId }));
    return wholeView(providers, credentials, usage);
  }

  /**
   * Sets the tenant's own limits (a number) or returns kinds to the deployment's default (null). Idempotent:
   * should a later service be unreachable (503), the same PUT again completes it.
   */
  @Put(':id/quotas')
  @Access('operator')
  @ApiJsonBody(PutTenantQuotasBody)
  @ApiJsonResponse(200, 'the tenant’s quotas now in force', TenantQuotasView)
  @ApiErrors(400, 403, 404)
  async setQuotas(
    @Param('id', new IdParamPipe('tenant')) tenantId: string,
    @Body(new ZodBodyPipe(PutTenantQuotasBody)) body: PutTenantQuotasBody,
    @CurrentActor() actor: Actor,
  ): Promise<TenantQuotasView> {
    const providers = unwrap(await this.bus.send(ProvidersOps.setTenantQuotas, { actor, tenantId, changes: changesFor('providers', body) }));
    const credentials = unwrap(await this.bus.send(CredentialsOps.setTenantQuotas, { actor, tenantId, changes: changesFor('credentials', body) }));
    const usage = unwrap(await this.bus.send(WebhookOps.setTenantQuotas, { actor, tenantId, changes: changesFor('usage', body) }));
    return wholeView(providers, credentials, usage);
  }
}
