import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '../openapi/openapi.decorators.js';
import { z } from 'zod';
import {
  CreateProviderBody,
  ProviderDependentsView,
  ProviderHistoryEntry,
  ProviderView,
  ProvidersOps,
  UpdateProviderBody,
  pageOf,
  type Actor,
  type Page,
  type TenantActor,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { Access, AccessGuard, CurrentActor, CurrentTenantActor } from '../auth/access.guard.js';
import { ProviderCredentials } from '../credentials/provider-credentials.service.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { etagOf, parseIfMatch } from '../http/etag.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiIfMatch, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';
import { ModelDiscovery } from '../proxy/discovery/model-discovery.service.js';
import { ProxyRuntime } from '../proxy/proxy.runtime.js';
import { ProviderAnswer, withCircuit } from './provider-circuit.view.js';
import { ProviderRegistration } from './provider-registration.service.js';

const DryRunAnswer = z.object({ dependents: ProviderDependentsView });
type DryRunAnswer = z.infer<typeof DryRunAnswer>;

/** `?dryRun=true|false`; anything else is a 400 rather than a delete nobody asked for. */
function parseDryRun(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ApiErrorException('validation_failed', 'dryRun: must be true or false');
}

@ApiTags('providers')
@ApiBearerAuth()
@Controller('v1/providers')
@UseGuards(AccessGuard)
export class ProvidersController {
  constructor(
    private readonly bus: BusClient,
    private readonly registration: ProviderRegistration,
    private readonly credentials: ProviderCredentials,
    private readonly proxy: ProxyRuntime,
    private readonly discovery: ModelDiscovery,
  ) {}

  @Post()
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateProviderBody)
  @ApiJsonResponse(201, 'provider registered (ETag: its version)', ProviderView)
  @ApiErrors(400, 403, 404, 409)
  async register(
    @Body(new ZodBodyPipe(CreateProviderBody)) body: CreateProviderBody,
    @CurrentTenantActor() actor: TenantActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderView> {
    if (body.endpoint !== undefined) await this.proxy.assertEndpointAllowed(body.endpoint, actor.tenantId);
    const view = await this.registration.register(actor, body);
    void reply.header('etag', etagOf(view.version));
    // After the answer is decided, never failing it: a provider with a key lists its models by itself.
    if (view.credential !== null) this.discovery.discoverInBackground(actor, [view.id]);
    return view;
  }

  @Get()
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s providers, oldest first', pageOf(ProviderAnswer))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<Page<ProviderAnswer>> {
    const page = unwrap(await this.bus.send(ProvidersOps.listProviders, { actor, ...parseListQuery(query) }));
    const filled = await this.credentials.fill(actor, page.data);
    return { data: filled.map((view) => withCircuit(view, this.circuitOf)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @Access('read')
  @ApiJsonResponse(200, 'the provider (ETag: its version), with its failover circuit as this gateway sees it', ProviderAnswer)
  @ApiErrors(403, 404)
  async get(
    @Param('id', new IdParamPipe('provider')) id: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderAnswer> {
    const view = await this.credentials.fillOne(actor, unwrap(await this.bus.send(ProvidersOps.getProvider, { actor, id })));
    void reply.header('etag', etagOf(view.version));
    return withCircuit(view, this.circuitOf);
  }

  private readonly circuitOf = (providerId: string) => this.proxy.circuits.view(providerId);

  @Patch(':id')
  @Access('write')
  @ApiIfMatch()
  @ApiJsonBody(UpdateProviderBody)
  @ApiJsonResponse(200, 'the updated provider (ETag: its new version)', ProviderView)
  @ApiErrors(400, 403, 404, 409, 412)
  async update(
    @Param('id', new IdParamPipe('provider')) id: string,
    @Body(new ZodBodyPipe(UpdateProviderBody)) changes: UpdateProviderBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentTenantActor() actor: TenantActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderView> {
    const expectedVersion = parseIfMatch(ifMatch);
    if (changes.endpoint !== undefined && changes.endpoint !== null) await this.proxy.assertEndpointAllowed(changes.endpoint, actor.tenantId);
    const view = await this.registration.update(actor, id, expectedVersion, changes);
    void reply.header('etag', etagOf(view.version));
    // A new credential lists the provider's models by itself, as one given at registration does.
    if (changes.apiKey !== undefined || changes.customHeaders !== undefined || changes.secretId !== undefined) {
      this.discovery.discoverInBackground(actor, [view.id]);
    }
    return view;
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('write')
  @ApiIfMatch()
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean, description: 'true: delete nothing and answer 200 with what refers to the provider' })
  @ApiJsonResponse(204, 'deleted')
  @ApiJsonResponse(200, 'dry run: what refers to the provider (agents block the delete; models go with it)', DryRunAnswer)
  @ApiErrors(400, 403, 404, 409, 412)
  async remove(
    @Param('id', new IdParamPipe('provider')) id: string,
    @Query('dryRun') dryRunParam: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DryRunAnswer | undefined> {
    const dryRun = parseDryRun(dryRunParam);
    const expectedVersion = parseIfMatch(ifMatch);
    const answered = unwrap(await this.bus.send(ProvidersOps.deleteProvider, { actor, id, expectedVersion, dryRun }));
    if (!dryRun || answered.dependents === undefined) return undefined;
    void reply.status(200);
    return { dependents: answered.dependents };
  }

  @Get(':id/history')
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the provider’s changes, oldest first (no secret values)', pageOf(ProviderHistoryEntry))
  @ApiErrors(400, 403, 404)
  async history(
    @Param('id', new IdParamPipe('provider')) id: string,
    @Query() query: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ProviderHistoryEntry>> {
    return unwrap(await this.bus.send(ProvidersOps.providerHistory, { actor, id, ...parseListQuery(query) }));
  }
}
