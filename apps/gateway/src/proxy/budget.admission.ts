import { BudgetOps, budgetPeriodOf, roundUsd, type AgentRoute, type BudgetLimit } from '@switchboard/contracts';
import { clientError, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import { maxCostOf } from '@switchboard/pricing';
import type { DirectClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { RETRY_AFTER_SECONDS } from '../http/error-status.table.js';
import type { RouteModel } from './model.resolution.js';

export interface BudgetAdmissionOptions {
  /** Straight on the gateway's NATS connection: the admission is on every budgeted call's path. */
  readonly bus: DirectClient;
  readonly logger: Logger;
  /** When a reservation whose call never reported is released (a gateway that died mid-call). */
  readonly reservationTtlMs: number;
  /** The output bound set on a budgeted call that sent none. */
  readonly defaultMaxOutputTokens: number;
  readonly timeoutMs?: number;
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

  async reserve(
    protocol: ClientProtocol,
    route: AgentRoute,
    requestId: string,
    limits: readonly BudgetLimit[],
    amountUsd: number,
  ): Promise<ClientError | null> {
    const period = budgetPeriodOf(this.now());
    const sent = await this.options.bus.request(
      BudgetOps.reserve,
      {
        tenantId: route.tenantId,
        requestId,
        providerId: route.provider.id,
        agentId: route.agent.id,
        period,
        amountUsd,
        limits: [...limits],
        ttlMs: this.options.reservationTtlMs,
      },
      { timeoutMs: this.options.timeoutMs ?? 2_000 },
    );
    if (!sent.ok) {
      this.options.logger.warn('budget ledger unavailable; refusing the call', { providerId: route.provider.id, code: sent.error.code });
      return clientError(protocol, 'service_unavailable', 'Service Unavailable: the budget ledger cannot be reached; try again', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    const verdict = sent.value;
    if (verdict.admitted) return null;
    const whose = verdict.scope === 'provider' ? `provider ${verdict.subjectId}` : `agent ${route.agent.name} (${verdict.subjectId})`;
    const left = Math.max(0, verdict.limitUsd - verdict.spentUsd - verdict.reservedUsd);
    return clientError(
      protocol,
      'budget_exceeded',
      `Budget Exceeded: the monthly budget of ${whose} is ${usd(verdict.limitUsd)} for ${period}; ${usd(verdict.spentUsd)} is spent and ` +
        `${usd(verdict.reservedUsd)} reserved by calls in flight, leaving ${usd(left)}, less than this call's worst case of ${usd(amountUsd)}`,
    );
  }
}
