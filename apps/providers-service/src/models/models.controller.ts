import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/provider-ops.types.js';
import { AddModelHandler } from './add-model/add-model.handler.js';
import { ListModelsHandler } from './list-models/list-models.handler.js';
import { RecordDiscoveredModelsHandler } from './record-discovered-models/record-discovered-models.handler.js';
import { RemoveModelHandler } from './remove-model/remove-model.handler.js';

@Controller()
export class ModelsController {
  constructor(
    private readonly addModel: AddModelHandler,
    private readonly listModels: ListModelsHandler,
    private readonly removeModel: RemoveModelHandler,
    private readonly recordDiscoveredModels: RecordDiscoveredModelsHandler,
  ) {}

  @HandleOperation(ProvidersOps.addModel)
  add(@Payload() request: OpRequest<'addModel'>): OpResult<'addModel'> {
    return this.addModel.execute(request);
  }

  @HandleOperation(ProvidersOps.listModels)
  list(@Payload() request: OpRequest<'listModels'>): OpResult<'listModels'> {
    return this.listModels.execute(request);
  }

  @HandleOperation(ProvidersOps.removeModel)
  remove(@Payload() request: OpRequest<'removeModel'>): OpResult<'removeModel'> {
    return this.removeModel.execute(request);
  }

  @HandleOperation(ProvidersOps.recordDiscoveredModels)
  recordDiscovered(@Payload() request: OpRequest<'recordDiscoveredModels'>): OpResult<'recordDiscoveredModels'> {
    return this.recordDiscoveredModels.execute(request);
  }
}
