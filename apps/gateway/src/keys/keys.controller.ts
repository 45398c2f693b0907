import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateKeyBody, KeyView, ProvidersOps, newId, type Actor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { z } from 'zod';
import { generateAccessKey, hashAccessKey } from '../auth/access-key.js';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { KeyResolver } from '../auth/key.resolver.js';
import { unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, listOf } from '../openapi/zod-openapi.js';

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
  @ApiErrors(400, 403, 404)
  async create(@Body(new ZodBodyPipe(CreateKeyBody)) body: CreateKeyBody, @CurrentActor() actor: Actor): Promise<CreatedKey> {
    const key = generateAccessKey();
    const view = unwrap(
      await this.bus.send(ProvidersOps.createKey, { actor, keyId: newId('key'), keyHash: hashAccessKey(key), body }),
    );
    return { id: view.id, name: view.name, role: view.role, agentId: view.agentId, createdAt: view.createdAt, key };
  }

  @Get()
  @Access('read')
  @ApiJsonResponse(200, 'the tenant’s keys (never their values)', listOf(KeyView))
  @ApiErrors(403)
  async list(@CurrentActor() actor: Actor): Promise<{ data: KeyView[] }> {
    return unwrap(await this.bus.send(ProvidersOps.listKeys, { actor }));
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
