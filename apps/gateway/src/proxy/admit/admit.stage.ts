import { attemptKeyOf, roundUsd, type AgentRoute } from '@switchboard/contracts';
import { clientError, worstCaseShape, MEDIA_PART_TOKENS, type ClientError, type ClientProtocol, type JsonObject } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import { unavailable } from '../authenticate/authenticate.stage.js';
import type { CallMeter } from '../meter/call.meter.js';
import type { RouteModel } from '../route/model.resolution.js';
import { budgetLimits, inputTokenBound, maxCallCostUsd, serverSideBound, type BudgetAdmission } from './budget.admission.js';
import { RateLimitUnavailable, type RpmVerdict } from './rpm.limiter.js';

/** The RPM limiter as admission asks it (RpmLimiter). */
export interface RpmCheck {
  check(providerId: string, limit: number): Promise<RpmVerdict>;
}

export interface AdmitDependencies {
  readonly limiter: RpmCheck;
  readonly budget: Pick<BudgetAdmission, 'admit' | 'defaultMaxOutputTokens'>;
  readonly logger: Logger;
}

/** One call as admission sees it: the upstream body it will send (output bound already set on a budgeted call). */
export interface AdmitRequest {
  /** The client's: refusals are written in it. */
  readonly protocol: ClientProtocol;
  /** The dialect `body` is written in, when the call is translated for its upstream (else the client's). */
  readonly bodyDialect?: ClientProtocol;
  readonly route: AgentRoute;
  readonly model: RouteModel;
  readonly body: JsonObject;
  readonly payloadBytes: number;
  /** What the client asked for at most, null when it set no bound. */
  readonly maxOutputTokens: number | null;
}

export type Admission = { readonly admitted: true; readonly historyTokens: number } | { readonly admitted: false; readonly refusal: ClientError };

/**
 * Stage 3: the RPM limit and the budget reservation, asked at once. A call the limiter refuses still settles its
 * reservation (at zero) through its usage event, like every other failed call. Sets on the meter what the usage
 * event must carry: the priced server-side tools and the budget lease the call was admitted under.
 */
export class AdmitStage {
  constructor(private readonly d: AdmitDependencies) {}

  /** True when the route's calls are held to a budget: their upstream body then carries an output bound. */
  static budgeted(route: AgentRoute): boolean {
    return budgetLimits(route).length > 0;
  }

  async admit(call: AdmitRequest, meter: CallMeter): Promise<Admission> {
    const { protocol, route, model } = call;
    const { provider, tenant } = route;
    const limits = budgetLimits(route);
    const budgeted = limits.length > 0;
    const admissions: Promise<ClientError | null>[] = [];
    if (provider.rateLimitRpm !== null) admissions.push(this.rpm(protocol, provider.id, provider.rateLimitRpm));
    const shape = budgeted || tenant.serverToolCallUsd !== null ? worstCaseShape(call.bodyDialect ?? protocol, call.body) : null;
    let historyTokens = 0;
    if (shape !== null && tenant.serverToolCallUsd !== null && shape.pricedTools.length > 0) {
      meter.serverTools = { usdPerCall: tenant.serverToolCallUsd, cap: shape.toolCallCap };
    }
    if (budgeted && shape !== null) {
      const bound = serverSideBound(shape, tenant);
      if ('refusal' in bound) return { admitted: false, refusal: clientError(protocol, 'bad_request', bound.refusal, { param: bound.param }) };
      historyTokens = bound.historyTokens;
      const maxOutput = (call.maxOutputTokens ?? this.d.budget.defaultMaxOutputTokens) * shape.choices;
      const maxInput = inputTokenBound(call.payloadBytes) + shape.mediaParts * MEDIA_PART_TOKENS + historyTokens;
      const tokensUsd = maxCallCostUsd(model, maxInput, maxOutput);
      if (tokensUsd === null) {
        const refusal = clientError(
          protocol,
          'bad_request',
          `model ${model.name} has no known price, so the monthly budget of this agent's provider cannot be held; ` +
            'set inputUsdPerMTok and outputUsdPerMTok on the model',
        );
        return { admitted: false, refusal };
      }
      const amount = roundUsd(tokensUsd + bound.toolCallsUsd);
      admissions.push(
        // Each attempt of a call holds a reservation of its own, on its own target's budgets.
        this.d.budget.admit(protocol, route, attemptKeyOf(meter.requestId, meter.attempt), limits, amount).then(({ refusal, lease }) => {
          if (lease !== undefined) meter.budgetLease = lease;
          return refusal;
        }),
      );
    }
    if (admissions.length === 0) return { admitted: true, historyTokens };
    const refusals = await Promise.all(admissions);
    const refusal = refusals.find((r) => r !== null);
    return refusal === undefined || refusal === null ? { admitted: true, historyTokens } : { admitted: false, refusal };
  }

  private async rpm(protocol: ClientProtocol, providerId: string, limit: number): Promise<ClientError | null> {
    try {
      const verdict = await this.d.limiter.check(providerId, limit);
      if (verdict.allowed) return null;
      return clientError(protocol, 'rate_limited', `Rate Limit Exceeded: this provider allows ${limit} requests per minute`, {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    } catch (error) {
      if (!(error instanceof RateLimitUnavailable)) throw error;
      this.d.logger.warn('rate limiter unavailable; refusing the call', { providerId, error: error.message });
      return unavailable(protocol, 'the rate limiter cannot be reached');
    }
  }
}
