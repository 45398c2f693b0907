import { Controller, Inject, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { UsageOps, ok, type AgentStats, type ParsedRequestOf, type ReplyOf, type Result, type UsageRow } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';

type Ops = typeof UsageOps;

/** What the fake usage-service answers, and every request it received (in order). */
export class FakeUsageState {
  rows: UsageRow[] = [];
  stats: AgentStats = {
    totalTokens: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    requests: 0,
    errors: 0,
    avgLatencyMs: null,
    p95LatencyMs: null,
    lastRequestAt: null,
  };
  readonly queries: ParsedRequestOf<Ops['query']>[] = [];
  readonly statsRequests: ParsedRequestOf<Ops['agentStats']>[] = [];
}

const FAKE_USAGE_STATE = Symbol('FAKE_USAGE_STATE');

/** A stand-in for usage-service answering UsageOps over real NATS (same decorator, same envelope). */
@Controller()
export class FakeUsageController {
  constructor(@Inject(FAKE_USAGE_STATE) private readonly s: FakeUsageState) {}

  @HandleOperation(UsageOps.query)
  async query(@Payload() request: ParsedRequestOf<Ops['query']>): Promise<Result<ReplyOf<Ops['query']>>> {
    this.s.queries.push(request);
    return ok({ data: this.s.rows });
  }

  @HandleOperation(UsageOps.agentStats)
  async agentStats(@Payload() request: ParsedRequestOf<Ops['agentStats']>): Promise<Result<ReplyOf<Ops['agentStats']>>> {
    this.s.statsRequests.push(request);
    return ok(this.s.stats);
  }
}

export function fakeUsageModule(state: FakeUsageState) {
  @Module({ controllers: [FakeUsageController], providers: [{ provide: FAKE_USAGE_STATE, useValue: state }] })
  class FakeUsageModule {}
  return FakeUsageModule;
}
