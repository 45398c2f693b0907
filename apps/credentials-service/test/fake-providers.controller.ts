import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { appError, fail, ok, ProvidersOps, type ErrorCode, type ParsedRequestOf, type ReplyOf, type Result } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';

type IssueAgentKeyRequest = ParsedRequestOf<typeof ProvidersOps.issueAgentKey>;

/** What the fake providers-service answers, set by each spec; it records what it was asked. */
export class FakeProvidersState {
  /** secretId → ids of the providers using it. */
  readonly dependents = new Map<string, string[]>();
  readonly issuedKeys: IssueAgentKeyRequest[] = [];
  /** When set, issueAgentKey fails with this code (e.g. `unavailable`, `agent_not_found`). */
  issueAgentKeyError: ErrorCode | null = null;
  secretDependentsError: ErrorCode | null = null;
}

const FAKE_STATE = Symbol('FAKE_PROVIDERS_STATE');

/**
 * The two operations credentials-service asks of providers-service, answered over real NATS in the
 * providers-service queue group. Imported only after SWITCHBOARD_NAMESPACE is set: HandleOperation reads it.
 */
@Controller()
export class FakeProvidersController {
  constructor(@Inject(FAKE_STATE) private readonly state: FakeProvidersState) {}

  @HandleOperation(ProvidersOps.secretDependents)
  async secretDependents(
    @Payload() request: ParsedRequestOf<typeof ProvidersOps.secretDependents>,
  ): Promise<Result<ReplyOf<typeof ProvidersOps.secretDependents>>> {
    if (this.state.secretDependentsError !== null) return fail(appError(this.state.secretDependentsError, 'fake providers-service refused'));
    return ok({ providers: this.state.dependents.get(request.secretId) ?? [] });
  }

  @HandleOperation(ProvidersOps.issueAgentKey)
  async issueAgentKey(@Payload() request: IssueAgentKeyRequest): Promise<Result<ReplyOf<typeof ProvidersOps.issueAgentKey>>> {
    if (this.state.issueAgentKeyError !== null) return fail(appError(this.state.issueAgentKeyError, 'fake providers-service refused'));
    this.state.issuedKeys.push(request);
    return ok({ keyId: request.keyId });
  }
}

@Module({})
export class FakeProvidersModule {
  static forRoot(state: FakeProvidersState): DynamicModule {
    return { module: FakeProvidersModule, controllers: [FakeProvidersController], providers: [{ provide: FAKE_STATE, useValue: state }] };
  }
}
