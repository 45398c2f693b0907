import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/provider-ops.types.js';
import { CreateKeyHandler } from './create-key/create-key.handler.js';
import { InitOperatorKeyHandler } from './init-operator-key/init-operator-key.handler.js';
import { IssueAgentKeyHandler } from './issue-agent-key/issue-agent-key.handler.js';
import { ListKeysHandler } from './list-keys/list-keys.handler.js';
import { ResolveKeyHandler } from './resolve-key/resolve-key.handler.js';
import { RevokeKeyHandler } from './revoke-key/revoke-key.handler.js';

@Controller()
export class KeysController {
  constructor(
    private readonly initOperatorKey: InitOperatorKeyHandler,
    private readonly resolveKey: ResolveKeyHandler,
    private readonly createKey: CreateKeyHandler,
    private readonly listKeys: ListKeysHandler,
    private readonly revokeKey: RevokeKeyHandler,
    private readonly issueAgentKey: IssueAgentKeyHandler,
  ) {}

  @HandleOperation(ProvidersOps.initOperatorKey)
  initOperator(@Payload() request: OpRequest<'initOperatorKey'>): OpResult<'initOperatorKey'> {
    return this.initOperatorKey.execute(request);
  }

  @HandleOperation(ProvidersOps.resolveKey)
  resolve(@Payload() request: OpRequest<'resolveKey'>): OpResult<'resolveKey'> {
    return this.resolveKey.execute(request);
  }

  @HandleOperation(ProvidersOps.createKey)
  create(@Payload() request: OpRequest<'createKey'>): OpResult<'createKey'> {
    return this.createKey.execute(request);
  }

  @HandleOperation(ProvidersOps.listKeys)
  list(@Payload() request: OpRequest<'listKeys'>): OpResult<'listKeys'> {
    return this.listKeys.execute(request);
  }

  @HandleOperation(ProvidersOps.revokeKey)
  revoke(@Payload() request: OpRequest<'revokeKey'>): OpResult<'revokeKey'> {
    return this.revokeKey.execute(request);
  }

  @HandleOperation(ProvidersOps.issueAgentKey)
  issueAgent(@Payload() request: OpRequest<'issueAgentKey'>): OpResult<'issueAgentKey'> {
    return this.issueAgentKey.execute(request);
  }
}
