import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CredentialsOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/credentials-ops.types.js';
import { CreateSecretHandler } from './create-secret/create-secret.handler.js';
import { DeleteSecretHandler } from './delete-secret/delete-secret.handler.js';
import { DescribeSecretsHandler } from './describe-secrets/describe-secrets.handler.js';
import { GatewayCredentialHandler } from './gateway-credential/gateway-credential.handler.js';
import { GetSecretHandler } from './get-secret/get-secret.handler.js';
import { ListSecretsHandler } from './list-secrets/list-secrets.handler.js';
import { RevealSecretHandler } from './reveal-secret/reveal-secret.handler.js';
import { RotateSecretHandler } from './rotate-secret/rotate-secret.handler.js';

@Controller()
export class SecretsController {
  constructor(
    private readonly createSecret: CreateSecretHandler,
    private readonly listSecrets: ListSecretsHandler,
    private readonly getSecret: GetSecretHandler,
    private readonly describeSecrets: DescribeSecretsHandler,
    private readonly rotateSecret: RotateSecretHandler,
    private readonly revealSecret: RevealSecretHandler,
    private readonly deleteSecret: DeleteSecretHandler,
    private readonly gatewayCredential: GatewayCredentialHandler,
  ) {}

  @HandleOperation(CredentialsOps.createSecret)
  create(@Payload() request: OpRequest<'createSecret'>): OpResult<'createSecret'> {
    return this.createSecret.execute(request);
  }

  @HandleOperation(CredentialsOps.listSecrets)
  list(@Payload() request: OpRequest<'listSecrets'>): OpResult<'listSecrets'> {
    return this.listSecrets.execute(request);
  }

  @HandleOperation(CredentialsOps.getSecret)
  get(@Payload() request: OpRequest<'getSecret'>): OpResult<'getSecret'> {
    return this.getSecret.execute(request);
  }

  @HandleOperation(CredentialsOps.describeSecrets)
  describe(@Payload() request: OpRequest<'describeSecrets'>): OpResult<'describeSecrets'> {
    return this.describeSecrets.execute(request);
  }

  @HandleOperation(CredentialsOps.rotateSecret)
  rotate(@Payload() request: OpRequest<'rotateSecret'>): OpResult<'rotateSecret'> {
    return this.rotateSecret.execute(request);
  }

  @HandleOperation(CredentialsOps.revealSecret)
  reveal(@Payload() request: OpRequest<'revealSecret'>): OpResult<'revealSecret'> {
    return this.revealSecret.execute(request);
  }

  @HandleOperation(CredentialsOps.deleteSecret)
  delete(@Payload() request: OpRequest<'deleteSecret'>): OpResult<'deleteSecret'> {
    return this.deleteSecret.execute(request);
  }

  @HandleOperation(CredentialsOps.gatewayCredential)
  forGateway(@Payload() request: OpRequest<'gatewayCredential'>): OpResult<'gatewayCredential'> {
    return this.gatewayCredential.execute(request);
  }
}
