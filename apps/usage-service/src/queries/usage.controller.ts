import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import {
  UsageOps,
  appError,
  fail,
  ok,
  resolveUsageWindow,
  type Actor,
  type ParsedRequestOf,
  type ReplyOf,
  type Result,
} from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { agentStats, queryUsage } from './usage.queries.js';

type Ops = typeof UsageOps;
type OpResult<K extends keyof Ops> = Promise<Result<ReplyOf<Ops[K]>>>;

/** What "now" is for the default window (the current UTC month); specs pin it. */
export const USAGE_CLOCK = Symbol('USAGE_CLOCK');
export type UsageClock = () => Date;

/** Usage is management data: tenant admins and members read it; agent and operator keys do not. */
function readerTenant(actor: Actor): Result<string> {
  if (actor.tenantId === null || (actor.role !== 'admin' && actor.role !== 'member')) {
    return fail(appError('forbidden', 'only a tenant admin or member key may read usage'));
  }
  return ok(actor.tenantId);
}

@Controller()
export class UsageController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(USAGE_CLOCK) private readonly now: UsageClock,
  ) {}

  @HandleOperation(UsageOps.query)
  async query(@Payload() request: ParsedRequestOf<Ops['query']>): OpResult<'query'> {
    const tenant = readerTenant(request.actor);
    if (!tenant.ok) return tenant;
    const window = resolveUsageWindow(request.from, request.to, this.now());
    if (!window.ok) return window;
    return ok({ data: await queryUsage(this.dataSource, tenant.value, window.value, request.groupBy) });
  }

  /** The agent's existence and tenant were checked by the caller (ProvidersOps.getAgent); unknown ids read as zeros. */
  @HandleOperation(UsageOps.agentStats)
  async agentStats(@Payload() request: ParsedRequestOf<Ops['agentStats']>): OpResult<'agentStats'> {
    const tenant = readerTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok(await agentStats(this.dataSource, tenant.value, request.agentId));
  }
}
