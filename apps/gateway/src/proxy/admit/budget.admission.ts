import { budgetPeriodOf, roundUsd, type AgentRoute, type BudgetLimit, type TenantSettings } from '@switchboard/contracts';
import { clientError, type ClientError, type ClientProtocol, type WorstCaseShape } from '@switchboard/llm-protocols';
import { maxCostOf } from '@switchboard/pricing';
import type { Logger } from '@switchboard/telemetry';
import { RETRY_AFTER_SECONDS } from '../../http/error-status.table.js';
import type { BudgetLedger } from './budget.ledger.js';
import type { BudgetLeases, LeasedAdmission, LeaseScope } from './budget.leases.js';
import type { RouteModel } from '../route/model.resolution.js';

export interface BudgetAdmissionOptions {
  /** usage-service's ledger (busBudgetLedger in the gateway). */
  readonly ledger: BudgetLedger;
  readonly logger: Logger;
  /** When a reservation whose call never reported is released (a gateway that died mid-call). */
  readonly reservationTtlMs: number;
  /** The output bound set on a budgeted call that sent none. */
  readonly defaultMaxOutputTokens: number;
  /** Leases for busy budgets far from their limits; without them every call is reserved on its own. */
  readonly leases?: BudgetLeases;
  readonly now?: () => Date;
}

/** The budgets a call of this route must fit under: its provider's, and its agent's when it has one. */
export function budgetLimits(route: AgentRoute): BudgetLimit[] {
  const limits: BudgetLimit[] = [];
  if (route.provider.monthlyBudgetUsd !== null) {
    limits.push({ scope: 'provider', subjectId: route.provider.id, limitUsd: route.provider.monthlyBudgetUsd });
  }
  if (route.agent.monthlyBudgetUsd !== null) limits.push({ scope: 'agent', subjectId: route.agent.id, limitUsd: route.agent.monthlyBudgetUsd });
  return limits;
}

/**
 * An upper bound of a request's input tokens from its serialised body: a tokenizer's token covers at least
 * one byte of text, and the JSON around the prompt more than pays for the few tokens a chat template adds.
 * Generous on purpose: the reservation only holds budget while the call runs, and settles at the real cost.
 */
export function inputTokenBound(upstreamBodyBytes: number): number {
  return upstreamBodyBytes;
}

/** How a budgeted call's reservation covers what the provider adds on its side, within the tenant's bounds. */
export interface ServerSideBound {
  /** Tokens of history stored at the provider (the tenant's serverHistoryTokens), 0 when the call refers to none. */
  readonly historyTokens: number;
  /** The USD of the tool calls the call may make at most (its cap at the tenant's serverToolCallUsd). */
  readonly toolCallsUsd: number;
}

/**
 * What a budgeted call adds on the provider's side, bounded by the tenant's settings, or why a budget cannot hold
 * it (400): history stored at the provider makes the input of unknown size, and server-run tools are billed apart
 * from tokens, so each needs the tenant's bound, and tools a cap in the request.
 */
export function serverSideBound(shape: WorstCaseShape, tenant: TenantSettings): { readonly refusal: string; readonly param: string } | ServerSideBound {
  const [history] = shape.serverHistory;
  if (history !== undefined && tenant.serverHistoryTokens === null) {
    return {
      param: history,
      refusal:
        `${history} brings in history stored at the provider, whose size a monthly budget cannot bound; send the history in the request ` +
        'instead, or have an admin set serverHistoryTokens (PATCH /v1/settings) to the most such history may hold',
    };
  }
  const tools = shape.pricedTools.join(', ');
  const are = shape.pricedTools.length === 1 ? 'is a tool' : 'are tools';
  if (shape.pricedTools.length > 0 && tenant.serverToolCallUsd === null) {
    return {
      param: 'tools',
      refusal:
        `${tools} ${are} the provider runs and bills apart from tokens, which a monthly budget cannot bound; ` +
        "an admin can set serverToolCallUsd (PATCH /v1/settings) to the providers' price per tool call",
    };
  }
  if (shape.toolCallCap === null) {
    return {
      param: 'tools',
      refusal: `${tools} ${are} the provider runs and bills per call; on a budgeted provider cap them (max_tool_calls, or max_uses on each tool)`,
    };
  }
  return {
    historyTokens: history === undefined ? 0 : (tenant.serverHistoryTokens ?? 0),
    toolCallsUsd: shape.toolCallCap * (tenant.serverToolCallUsd ?? 0),
  };
}

/** The most a call can cost at the model's prices (every input token uncached); null when it has no price. */
export function maxCallCostUsd(model: RouteModel, inputTokens: number, outputTokens: number): number | null {
  return model.price === null ? null : roundUsd(maxCostOf(model.price, inputTokens, outputTokens));
}

const usd = (value: number) => `$${value.toFixed(value >= 1 ? 2 : 6).replace(/0+$/, '').replace(/\.$/, '')}`;

/**
 * Admission against monthly budgets: reserves the call's worst-case cost in usage-service's ledger (one bus
 * round trip to one SQL statement under the budget rows' locks, so it holds across any number of gateways).
 * The reservation is settled by the call's own usage event, whatever its outcome, and expires if that never
 * arrives. Fails closed: a ledger that cannot be reached refuses the call with 503 rather than let it spend.
 */
export class BudgetAdmission {
  private readonly now: () => Date;

  constructor(private readonly options: BudgetAdmissionOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get defaultMaxOutputTokens(): number {
    return this.options.defaultMaxOutputTokens;
  }

  /**
   * Admits a call against its budgets: from a lease when one covers it, else by a reservation of its own. A
   * refusal that open leases may have caused (they hold enough unused budget for the call) is retried once,
   * after the leases' lifetime, when their unused parts are back.
   */
  async admit(
    protocol: ClientProtocol,
    route: AgentRoute,
    requestId: string,
    limits: readonly BudgetLimit[],
    amountUsd: number,
  ): Promise<{ readonly refusal: ClientError | null; readonly lease?: LeasedAdmission }> {
    const period = budgetPeriodOf(this.now());
    const scope: LeaseScope = { tenantId: route.tenantId, providerId: route.provider.id, agentId: route.agent.id, period, limits };
    const lease = this.options.leases?.take(scope, amountUsd) ?? null;
    if (lease !== null) return { refusal: null, lease };
    let sent = await this.reserve(scope, requestId, amountUsd);
    if (sent.ok && !sent.value.admitted && this.options.leases !== undefined) {
      const verdict = sent.value;
      const left = verdict.limitUsd - verdict.spentUsd - verdict.reservedUsd;
      if ((verdict.leasedUsd ?? 0) > 0 && left + (verdict.leasedUsd ?? 0) >= amountUsd) {
        this.options.leases.release(scope);
        await new Promise((resolve) => setTimeout(resolve, this.options.leases?.lifetime ?? 0).unref());
        sent = await this.reserve(scope, requestId, amountUsd);
      }
    }
    if (!sent.ok) {
      this.options.logger.warn('budget ledger unavailable; refusing the call', { providerId: route.provider.id, code: sent.error.code });
      return {
        refusal: clientError(protocol, 'service_unavailable', 'Service Unavailable: the budget ledger cannot be reached; try again', {
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        }),
      };
    }
    const verdict = sent.value;
    if (verdict.admitted) {
      this.options.leases?.noteReserved(scope, amountUsd);
      return { refusal: null };
    }
    const whose = verdict.scope === 'provider' ? `provider ${verdict.subjectId}` : `agent ${route.agent.name} (${verdict.subjectId})`;
    const left = Math.max(0, verdict.limitUsd - verdict.spentUsd - verdict.reservedUsd);
    return {
      refusal: clientError(
        protocol,
        'budget_exceeded',
        `Budget Exceeded: the monthly budget of ${whose} is ${usd(verdict.limitUsd)} for ${period}; ${usd(verdict.spentUsd)} is spent and ` +
          `${usd(verdict.reservedUsd)} reserved by calls in flight, leaving ${usd(left)}, less than this call's worst case of ${usd(amountUsd)}`,
      ),
    };
  }

  private reserve(scope: LeaseScope, requestId: string, amountUsd: number) {
    return this.options.ledger.reserve({
      tenantId: scope.tenantId,
      requestId,
      providerId: scope.providerId,
      agentId: scope.agentId,
      period: scope.period,
      amountUsd,
      limits: [...scope.limits],
      ttlMs: this.options.reservationTtlMs,
    });
  }

  /** Returns every unused lease (the gateway is stopping). */
  async stop(): Promise<void> {
    await this.options.leases?.stop();
  }
}
