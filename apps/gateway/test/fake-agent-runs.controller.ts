import { Controller, Inject, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps, appError, fail, newId, ok } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { FakeProxyOpsController } from './fake-proxy-ops.controller.js';
import { FAKE_STATE, FakeProvidersController, FakeProvidersState, owned, type Req, type Res } from './fake-providers.service.js';

/** Agent starts and stops: recorded, nothing more (credential issuance is credentials-service's). */
@Controller()
export class FakeAgentRunsController {
  constructor(@Inject(FAKE_STATE) private readonly s: FakeProvidersState) {}

  @HandleOperation(ProvidersOps.startAgent)
  async startAgent(@Payload() r: Req<'startAgent'>): Res<'startAgent'> {
    if (!owned(this.s.agents, r.id, r.actor.tenantId)) return fail(appError('agent_not_found', `agent ${r.id} not found`));
    const startId = newId('start');
    this.s.starts.push({ agentId: r.id, startId, recipientId: r.recipientId });
    return ok({ startId });
  }

  @HandleOperation(ProvidersOps.stopAgent)
  async stopAgent(@Payload() r: Req<'stopAgent'>): Res<'stopAgent'> {
    if (!owned(this.s.agents, r.id, r.actor.tenantId)) return fail(appError('agent_not_found', `agent ${r.id} not found`));
    return ok({ revokedKeys: this.s.starts.filter((start) => start.agentId === r.id).length });
  }
}

export function fakeProvidersModule(state: FakeProvidersState) {
  @Module({ controllers: [FakeProvidersController, FakeAgentRunsController, FakeProxyOpsController], providers: [{ provide: FAKE_STATE, useValue: state }] })
  class FakeProvidersModule {}
  return FakeProvidersModule;
}
