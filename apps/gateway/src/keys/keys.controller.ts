import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { CreateKeyBody, KeyView, ProvidersOps, newId, pageOf, type Actor, type Page } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { z } from 'zod';
import { generateAccessKey, hashAccessKey } from '../auth/access-key.js';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { KeyResolver } from '../auth/key.resolver.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';

const CreatedKey = KeyView.omit({ lastUsedAt: true }).extend({ key: z.string() });
type CreatedKey = z.infer<typeof CreatedKey>;

@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/keys')
@UseGuards(AccessGuard)
export class KeysController {
  constructor(
    private readonly bus: BusClient,
    private readonly keys: KeyResolver,
  ) {}

  /** Only the hash goes to providers-service; the key itself is in this response and nowhere else. */
  @Post()
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateKeyBody)
  @ApiJsonResponse(201, 'key created; `key` is shown only here', CreatedKey)
  @ApiErrors(400, 403, 404, 409)
  async create(@Body(new ZodBodyPipe(CreateKeyBody)) body: CreateKeyBody, @CurrentActor() actor: Actor): Promise<CreatedKey> {
    const key = generateAccessKey();
    const view = unwrap(
      await this.bus.send(ProvidersOps.createKey, { actor, keyId: newId('key'), keyHash: hashAccessKey(key), body }),
    );
    return { id: view.id, name: view.name, role: view.role, agentId: view.agentId, createdAt: view.createdAt, key };
  }

  @Get()
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s keys (never their values), oldest first', pageOf(KeyView))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<Page<KeyView>> {
    return unwrap(await this.bus.send(ProvidersOps.listKeys, { actor, ...parseListQuery(query) }));
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('write')
  @ApiJsonResponse(204, 'revoked')
  @ApiErrors(403, 404)
  async revoke(@Param('id', new IdParamPipe('key')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    unwrap(await this.bus.send(ProvidersOps.revokeKey, { actor, id }));
    // Other replicas learn it from the key.revoked event; this one need not wait for it.
    this.keys.revoked(id);
  }
}
