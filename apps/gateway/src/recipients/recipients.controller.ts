import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../openapi/openapi.decorators.js';
import { CreateRecipientBody, CredentialsOps, RecipientView, pageOf, type Page, type TenantActor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { parseRecipientPublicKey } from '@switchboard/sealing';
import { Access, AccessGuard, CurrentTenantActor } from '../auth/access.guard.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { parseListQuery } from '../http/list-query.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, ApiPageQuery } from '../openapi/zod-openapi.js';

/** Who may receive sealed credentials: orchestrators and gateways, each by its X25519 public key. */
@ApiTags('recipients')
@ApiBearerAuth()
@Controller('v1/recipients')
@UseGuards(AccessGuard)
export class RecipientsController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  @HttpCode(201)
  @Access('write')
  @ApiJsonBody(CreateRecipientBody)
  @ApiJsonResponse(201, 'recipient registered', RecipientView)
  @ApiErrors(400, 403, 409)
  async register(
    @Body(new ZodBodyPipe(CreateRecipientBody)) body: CreateRecipientBody,
    @CurrentTenantActor() actor: TenantActor,
  ): Promise<RecipientView> {
    // The shape was checked by the schema; a key whose shared secret would be predictable is refused here too.
    const key = parseRecipientPublicKey(body.publicKey);
    if (!key.ok) throw new ApiErrorException('validation_failed', key.error.message);
    return unwrap(await this.bus.send(CredentialsOps.registerRecipient, { actor, name: body.name, publicKey: body.publicKey }));
  }

  @Get()
  @Access('read')
  @ApiPageQuery()
  @ApiJsonResponse(200, 'a page of the tenant’s recipients, oldest first', pageOf(RecipientView))
  @ApiErrors(400, 403)
  async list(@Query() query: unknown, @CurrentTenantActor() actor: TenantActor): Promise<Page<RecipientView>> {
    return unwrap(await this.bus.send(CredentialsOps.listRecipients, { actor, ...parseListQuery(query) }));
  }
}
