import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/provider-ops.types.js';
import { CreateAgentHandler } from './create-agent/create-agent.handler.js';
import { DeleteAgentHandler } from './delete-agent/delete-agent.handler.js';
import { GetAgentHandler } from './get-agent/get-agent.handler.js';
import { ListAgentsHandler } from './list-agents/list-agents.handler.js';
import { ResolveAgentRouteHandler } from './resolve-agent-route/resolve-agent-route.handler.js';
import { StartAgentHandler } from './start-agent/start-agent.handler.js';
import { StopAgentHandler } from './stop-agent/stop-agent.handler.js';
import { UpdateAgentHandler } from './update-agent/update-agent.handler.js';

@Controller()
export class AgentsController {
  constructor(
    private readonly createAgent: CreateAgentHandler,
    private readonly listAgents: ListAgentsHandler,
    private readonly getAgent: GetAgentHandler,
    private readonly updateAgent: UpdateAgentHandler,
    private readonly deleteAgent: DeleteAgentHandler,
    private readonly startAgent: StartAgentHandler,
    private readonly stopAgent: StopAgentHandler,
    private readonly resolveAgentRoute: ResolveAgentRouteHandler,
  ) {}

  @HandleOperation(ProvidersOps.createAgent)
  create(@Payload() request: OpRequest<'createAgent'>): OpResult<'createAgent'> {
    return this.createAgent.execute(request);
  }

  @HandleOperation(ProvidersOps.listAgents)
  list(@Payload() request: OpRequest<'listAgents'>): OpResult<'listAgents'> {
    return this.listAgents.execute(request);
  }

  @HandleOperation(ProvidersOps.getAgent)
  get(@Payload() request: OpRequest<'getAgent'>): OpResult<'getAgent'> {
    return this.getAgent.execute(request);
  }

  @HandleOperation(ProvidersOps.updateAgent)
  update(@Payload() request: OpRequest<'updateAgent'>): OpResult<'updateAgent'> {
    return this.updateAgent.execute(request);
  }

  @HandleOperation(ProvidersOps.deleteAgent)
  delete(@Payload() request: OpRequest<'deleteAgent'>): OpResult<'deleteAgent'> {
    return this.deleteAgent.execute(request);
  }

  @HandleOperation(ProvidersOps.startAgent)
  start(@Payload() request: OpRequest<'startAgent'>): OpResult<'startAgent'> {
    return this.startAgent.execute(request);
  }

  @HandleOperation(ProvidersOps.stopAgent)
  stop(@Payload() request: OpRequest<'stopAgent'>): OpResult<'stopAgent'> {
    return this.stopAgent.execute(request);
  }

  @HandleOperation(ProvidersOps.resolveAgentRoute)
  route(@Payload() request: OpRequest<'resolveAgentRoute'>): OpResult<'resolveAgentRoute'> {
    return this.resolveAgentRoute.execute(request);
  }
}
