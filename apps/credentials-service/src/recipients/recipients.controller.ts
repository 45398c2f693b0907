import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CredentialsOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/credentials-ops.types.js';
import { ListRecipientsHandler } from './list-recipients/list-recipients.handler.js';
import { RegisterRecipientHandler } from './register-recipient/register-recipient.handler.js';

@Controller()
export class RecipientsController {
  constructor(
    private readonly registerRecipient: RegisterRecipientHandler,
    private readonly listRecipients: ListRecipientsHandler,
  ) {}

  @HandleOperation(CredentialsOps.registerRecipient)
  register(@Payload() request: OpRequest<'registerRecipient'>): OpResult<'registerRecipient'> {
    return this.registerRecipient.execute(request);
  }

  @HandleOperation(CredentialsOps.listRecipients)
  list(@Payload() request: OpRequest<'listRecipients'>): OpResult<'listRecipients'> {
    return this.listRecipients.execute(request);
  }
}
