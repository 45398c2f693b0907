import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateRecipientBody, CredentialsOps, RecipientView, type TenantActor } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { parseRecipientPublicKey } from '@switchboard/sealing';
import { Access, AccessGuard, CurrentTenantActor } from '../auth/access.guard.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';
import { ZodBodyPipe } from '../http/body-validation.js';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, listOf } from '../openapi/zod-openapi.js';

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
  @ApiErrors(400, 403)
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
  @ApiJsonResponse(200, 'the tenant’s recipients', listOf(RecipientView))
  @ApiErrors(403)
  async list(@CurrentTenantActor() actor: TenantActor): Promise<{ data: RecipientView[] }> {
    return unwrap(await this.bus.send(CredentialsOps.listRecipients, { actor }));
  }
}
