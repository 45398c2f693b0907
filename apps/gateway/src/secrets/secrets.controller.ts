import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { CreateSecretBody, CredentialsOps, RotateSecretBody, SecretView, pageOf, type Page, type TenantActor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Access, AccessGuard, CurrentTenantActor } from '../auth/access.guard.js';
import { SecretValues, type RevealedValue } from '../credentials/secret-values.service.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { parseIfMatch, versioned } from '../http/etag.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiIfMatch, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';
import { ModelDiscovery } from '../proxy/discovery/model-discovery.service.js';

/** An API key as a string; a headers secret (made from a provider's customHeaders) as its object. */
const RevealedSecret = z.object({ value: z.union([z.string(), z.record(z.string(), z.string())]) });

/**
 * Write-only secrets: values go in (sealed to credentials-service on the bus) and never come back, except
 * through the audited, admin-only reveal. Views carry name, version, fingerprint and a hint.
 */
@ApiTags('secrets')
@ApiBearerAuth()
@Controller('v1/secrets')
@UseGuards(AccessGuard)
export class SecretsController {
  constructor(
    private readonly bus: BusClient,
    private readonly values: SecretValues,
    private readonly discovery: ModelDiscovery,
  ) {}

  @Post()
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateSecretBody)
  @ApiJsonResponse(201, 'secret stored (ETag: its version); the value is never shown again', SecretView)
  @ApiErrors(400, 403, 409)
  async create(
    @Body(new ZodBodyPipe(CreateSecretBody)) body: CreateSecretBody,
    @CurrentTenantActor() actor: TenantActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SecretView> {
    return versioned(reply, await this.values.create(actor, { name: body.name, kind: 'api_key', value: body.value }));
  }

  @Get()
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s secrets (never their values), oldest first', pageOf(SecretView))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentTenantActor() actor: TenantActor): Promise<Page<SecretView>> {
    return unwrap(await this.bus.send(CredentialsOps.listSecrets, { actor, ...parseListQuery(query) }));
  }

  @Get(':id')
  @Access('read')
  @ApiJsonResponse(200, 'the secret (ETag: its version), never its value', SecretView)
  @ApiErrors(403, 404)
  async get(
    @Param('id', new IdParamPipe('secret')) id: string,
    @CurrentTenantActor() actor: TenantActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SecretView> {
    return versioned(reply, await this.bus.send(CredentialsOps.getSecret, { actor, id }));
  }

  @Put(':id')
  @Access('write')
  @ApiIfMatch()
  @ApiJsonBody(RotateSecretBody)
  @ApiJsonResponse(200, 'rotated: a new version (ETag); calls in flight finish with the old one', SecretView)
  @ApiErrors(400, 403, 404, 412)
  async rotate(
    @Param('id', new IdParamPipe('secret')) id: string,
    @Body(new ZodBodyPipe(RotateSecretBody)) body: RotateSecretBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentTenantActor() actor: TenantActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SecretView> {
    const expectedVersion = parseIfMatch(ifMatch);
    const view = versioned(reply, await this.values.rotate(actor, id, expectedVersion, body.value));
    // Best effort, after the rotation is committed: the providers using this key list their models again.
    void this.discovery.rediscoverForSecret(actor, id).catch(() => undefined);
    return view;
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('write')
  @ApiIfMatch()
  @ApiJsonResponse(204, 'deleted')
  @ApiErrors(400, 403, 404, 409, 412)
  async remove(
    @Param('id', new IdParamPipe('secret')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentTenantActor() actor: TenantActor,
  ): Promise<void> {
    const expectedVersion = parseIfMatch(ifMatch);
    unwrap(await this.bus.send(CredentialsOps.deleteSecret, { actor, id, expectedVersion }));
  }

  /** Admin only and audited by credentials-service (secret.revealed); the answer must not be cached anywhere. */
  @Post(':id/reveal')
  @HttpCode(200)
  @Access('admin')
  @ApiJsonResponse(200, 'the current value (Cache-Control: no-store)', RevealedSecret)
  @ApiErrors(403, 404)
  async reveal(
    @Param('id', new IdParamPipe('secret')) id: string,
    @CurrentTenantActor() actor: TenantActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RevealedValue> {
    void reply.header('cache-control', 'no-store');
    return unwrap(await this.values.reveal(actor, id));
  }
}
