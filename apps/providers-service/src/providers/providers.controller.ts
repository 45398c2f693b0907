import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/provider-ops.types.js';
import { DeleteProviderHandler } from './delete-provider/delete-provider.handler.js';
import { GetProviderHandler } from './get-provider/get-provider.handler.js';
import { ListProvidersHandler } from './list-providers/list-providers.handler.js';
import { ProviderHistoryHandler } from './provider-history/provider-history.handler.js';
import { RegisterProviderHandler } from './register-provider/register-provider.handler.js';
import { SecretDependentsHandler } from './secret-dependents/secret-dependents.handler.js';
import { UpdateProviderHandler } from './update-provider/update-provider.handler.js';

@Controller()
export class ProvidersController {
  constructor(
    private readonly registerProvider: RegisterProviderHandler,
    private readonly listProviders: ListProvidersHandler,
    private readonly getProvider: GetProviderHandler,
    private readonly updateProvider: UpdateProviderHandler,
    private readonly deleteProvider: DeleteProviderHandler,
    private readonly providerHistory: ProviderHistoryHandler,
    private readonly secretDependents: SecretDependentsHandler,
  ) {}

  @HandleOperation(ProvidersOps.registerProvider)
  register(@Payload() request: OpRequest<'registerProvider'>): OpResult<'registerProvider'> {
    return this.registerProvider.execute(request);
  }

  @HandleOperation(ProvidersOps.listProviders)
  list(@Payload() request: OpRequest<'listProviders'>): OpResult<'listProviders'> {
    return this.listProviders.execute(request);
  }

  @HandleOperation(ProvidersOps.getProvider)
  get(@Payload() request: OpRequest<'getProvider'>): OpResult<'getProvider'> {
    return this.getProvider.execute(request);
  }

  @HandleOperation(ProvidersOps.updateProvider)
  update(@Payload() request: OpRequest<'updateProvider'>): OpResult<'updateProvider'> {
    return this.updateProvider.execute(request);
  }

  @HandleOperation(ProvidersOps.deleteProvider)
  delete(@Payload() request: OpRequest<'deleteProvider'>): OpResult<'deleteProvider'> {
    return this.deleteProvider.execute(request);
  }

  @HandleOperation(ProvidersOps.providerHistory)
  history(@Payload() request: OpRequest<'providerHistory'>): OpResult<'providerHistory'> {
    return this.providerHistory.execute(request);
  }

  @HandleOperation(ProvidersOps.secretDependents)
  dependentsOfSecret(@Payload() request: OpRequest<'secretDependents'>): OpResult<'secretDependents'> {
    return this.secretDependents.execute(request);
  }
}
