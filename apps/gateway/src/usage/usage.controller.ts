import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '../openapi/openapi.decorators.js';
import { AgentStats, BudgetOps, BudgetView, ProvidersOps, UsageOps, UsageRow, budgetPeriodOf, budgetView, type Actor, type BudgetScope } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { Access, AccessGuard, CurrentActor } from '../auth/access.guard.js';
import { unwrap } from '../http/api-error.exception.js';
import { IdParamPipe } from '../http/id-param.pipe.js';
import { ApiErrors, ApiJsonResponse, listOf } from '../openapi/zod-openapi.js';
import { parseUsageQuery } from './usage-query.params.js';

/** Usage and budget read routes (admin and member keys): thin over UsageOps/BudgetOps; the figures are usage-service's. */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(AccessGuard)
export class UsageController {
  constructor(private readonly bus: BusClient) {}

  @Get('usage')
  @Access('read')
  @ApiQuery({ name: 'groupBy', enum: ['provider', 'model', 'agent', 'day'] })
  @ApiQuery({ name: 'from', required: false, description: 'first UTC day, YYYY-MM-DD (default: first day of the current UTC month)' })
  @ApiQuery({ name: 'to', required: false, description: 'UTC day after the last one, YYYY-MM-DD (default: first day of the next month); at most 366 days after from' })
  @ApiJsonResponse(200, 'usage in [from, to), one row per group', listOf(UsageRow))
  @ApiErrors(400, 403)
  async usage(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<{ data: UsageRow[] }> {
    const { from, to, groupBy } = parseUsageQuery(query, new Date());
    return unwrap(await this.bus.send(UsageOps.query, { actor, groupBy, ...(from ? { from } : {}), ...(to ? { to } : {}) }));
  }

  /** The agent is looked up first, so an unknown or foreign agent is a 404 rather than a row of zeros. */
  @Get('agents/:id/stats')
  @Access('read')
  @ApiJsonResponse(200, 'the agent’s usage over all its calls', AgentStats)
  @ApiErrors(403, 404)
  async agentStats(@Param('id', new IdParamPipe('agent')) id: string, @CurrentActor() actor: Actor): Promise<AgentStats> {
    unwrap(await this.bus.send(ProvidersOps.getAgent, { actor, id }));
    return unwrap(await this.bus.send(UsageOps.agentStats, { actor, agentId: id }));
  }

  /** The provider's budget for the current UTC month; its limit is the provider's, the figures the ledger's. */
  @Get('providers/:id/budget')
  @Access('read')
  @ApiJsonResponse(200, 'the provider’s monthly budget: spend, reservations of calls in flight, what remains', BudgetView)
  @ApiErrors(403, 404)
  async providerBudget(@Param('id', new IdParamPipe('provider')) id: string, @CurrentActor() actor: Actor): Promise<BudgetView> {
    const provider = unwrap(await this.bus.send(ProvidersOps.getProvider, { actor, id }));
    return this.budget(actor, 'provider', id, provider.monthlyBudgetUsd);
  }

  /** The agent's own budget (optional, beside its provider's), same shape. */
  @Get('agents/:id/budget')
  @Access('read')
  @ApiJsonResponse(200, 'the agent’s monthly budget: spend, reservations of calls in flight, what remains', BudgetView)
  @ApiErrors(403, 404)
  async agentBudget(@Param('id', new IdParamPipe('agent')) id: string, @CurrentActor() actor: Actor): Promise<BudgetView> {
    const agent = unwrap(await this.bus.send(ProvidersOps.getAgent, { actor, id }));
    return this.budget(actor, 'agent', id, agent.monthlyBudgetUsd);
  }

  /** The ledger's figures for the current UTC month, against the limit the provider or agent holds. */
  private async budget(actor: Actor, scope: BudgetScope, subjectId: string, limitUsd: number | null): Promise<BudgetView> {
    const period = budgetPeriodOf(new Date());
    const state = unwrap(await this.bus.send(BudgetOps.state, { actor, scope, subjectId, period }));
    return budgetView(limitUsd, state, period);
  }
}
