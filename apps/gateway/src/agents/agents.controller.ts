import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { AgentView, CreateAgentBody, ProvidersOps, StartAgentBody, UpdateAgentBody, pageOf, type Actor, type Page } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { parseIfMatch, versioned } from '../http/etag.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiIfMatch, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';

const StartedAgent = z.object({ startId: z.string() });
const StoppedAgent = z.object({ revokedKeys: z.number().int() });

@ApiTags('agents')
@ApiBearerAuth()
@Controller('v1/agents')
@UseGuards(AccessGuard)
export class AgentsController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateAgentBody)
  @ApiJsonResponse(201, 'agent created (ETag: its version)', AgentView)
  @ApiErrors(400, 403, 404, 409)
  async create(
    @Body(new ZodBodyPipe(CreateAgentBody)) body: CreateAgentBody,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    return versioned(reply, await this.bus.send(ProvidersOps.createAgent, { actor, body }));
  }

  @Get()
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s agents, oldest first', pageOf(AgentView))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<Page<AgentView>> {
    return unwrap(await this.bus.send(ProvidersOps.listAgents, { actor, ...parseListQuery(query) }));
  }

  @Get(':id')
  @Access('read')
  @ApiJsonResponse(200, 'the agent (ETag: its version)', AgentView)
  @ApiErrors(403, 404)
  async get(
    @Param('id', new IdParamPipe('agent')) id: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    return versioned(reply, await this.bus.send(ProvidersOps.getAgent, { actor, id }));
  }

  @Patch(':id')
  @Access('write')
  @ApiIfMatch()
  @ApiJsonBody(UpdateAgentBody)
  @ApiJsonResponse(200, 'the updated agent (ETag: its new version)', AgentView)
  @ApiErrors(400, 403, 404, 409, 412)
  async update(
    @Param('id', new IdParamPipe('agent')) id: string,
    @Body(new ZodBodyPipe(UpdateAgentBody)) changes: UpdateAgentBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return versioned(reply, await this.bus.send(ProvidersOps.updateAgent, { actor, id, expectedVersion, changes }));
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('write')
  @ApiIfMatch()
  @ApiJsonResponse(204, 'deleted')
  @ApiErrors(400, 403, 404, 412)
  async remove(
    @Param('id', new IdParamPipe('agent')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    const expectedVersion = parseIfMatch(ifMatch);
    unwrap(await this.bus.send(ProvidersOps.deleteAgent, { actor, id, expectedVersion }));
  }

  /** Accepted, not done: the credential follows as credential.issued (or credential.denied) for the recipient. */
  @Post(':id/start')
  @HttpCode(202)
  @Access('write')
  @ApiJsonBody(StartAgentBody)
  @ApiJsonResponse(202, 'start recorded; watch credential.issued / credential.denied for this startId', StartedAgent)
  @ApiErrors(400, 403, 404)
  async start(
    @Param('id', new IdParamPipe('agent')) id: string,
    @Body(new ZodBodyPipe(StartAgentBody)) body: StartAgentBody,
    @CurrentActor() actor: Actor,
  ): Promise<{ startId: string }> {
    return unwrap(await this.bus.send(ProvidersOps.startAgent, { actor, id, recipientId: body.recipientId }));
  }

  @Post(':id/stop')
  @HttpCode(202)
  @Access('write')
  @ApiJsonResponse(202, 'stopped: the agent keys issued at its starts are revoked', StoppedAgent)
  @ApiErrors(403, 404)
  async stop(@Param('id', new IdParamPipe('agent')) id: string, @CurrentActor() actor: Actor): Promise<{ revokedKeys: number }> {
    return unwrap(await this.bus.send(ProvidersOps.stopAgent, { actor, id }));
  }
}
