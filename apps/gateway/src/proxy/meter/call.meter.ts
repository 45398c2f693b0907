import { context, type Context, type Span } from '@opentelemetry/api';
import type { ClientProtocol, TokenUsage, UsageTracker } from '@switchboard/llm-protocols';
import { costOf } from '@switchboard/pricing';
import { roundUsd, type UsageRecorded } from '@switchboard/contracts';
import type { RouteModel } from '../route/model.resolution.js';
import { newRequestId } from './request-id.js';

export interface CallIdentity {
  readonly tenantId: string;
  readonly agentId: string;
  readonly providerId: string;
  /** The registered model's name, or what the client asked for when no model matched. */
  readonly model: string;
  readonly protocol: ClientProtocol;
  readonly stream: boolean;
}

/** Client went away before the answer was complete; 499 as nginx logs it, since no status reached the client. */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * What one proxied call reports in its `usage.recorded` event, filled in as the call proceeds. Times are
 * the exchange's elapsed time (from the moment the request came in), in milliseconds.
 */
export class CallMeter {
  ttfbMs: number | null = null;
  /** A streamed answer's first chunk (time to first token, for the metrics; the event carries ttfbMs). */
  firstChunkMs: number | null = null;
  usage: TokenUsage | null = null;
  errorKind: string | undefined;
  model: RouteModel | null = null;
  /**
   * The upstream answered 2xx: from then on it may bill for the call, so usage it did not report is estimated,
   * never taken as zero. Refused and failed-before-answer calls cost nothing and are recorded at zero.
   */
  accepted = false;
  /** The upstream's usage report is whole (the final streamed report, or the whole body's): nothing to estimate. */
  usageComplete = false;
  /** A streamed answer's tracker: what it generated, for an estimate. */
  tracker: UsageTracker | null = null;
  usageSource: 'upstream' | 'estimated' = 'upstream';
  /**
   * The call switched on tools the provider bills per call and the tenant priced them: each call counted is charged
   * `usdPerCall`. Counted as the upstream reported them; where its report is missing or cut short, at the request's cap.
   */
  serverTools: { readonly usdPerCall: number; readonly cap: number | null } | undefined;
  /** The model the upstream said answered (its body or first stream events), for the spans. */
  responseModel: string | null = null;
  /** The trace the call belongs to (its SERVER span), captured when the call came in: the usage event is recorded in it. */
  readonly traceContext: Context = context.active();
  /** The upstream call's CLIENT span, ended when the call's usage is known (estimated or reported). */
  upstreamSpan: Span | null = null;
  /** The dialect spoken upstream when it is not the client's (a translated call); usage is read in it. */
  upstreamDialect: ClientProtocol | null = null;
  /** Set when the call was admitted under a budget lease; its settlement takes reservedUsd off it. */
  budgetLease: { readonly leaseId: string; readonly reservedUsd: number } | undefined;
  /** 1, 2, … in failover order: one meter per attempt, all with the call's requestId. */
  attempt = 1;
  private done = false;

  /** `requestId`: the HTTP request's id (the gateway's genReqId), so access log and usage event name the call alike. */
  constructor(
    readonly identity: CallIdentity,
    readonly requestId: string = newRequestId(),
  ) {}

  /** The dialect the upstream's answers, and so its usage reports, are written in. */
  get usageDialect(): ClientProtocol {
    return this.upstreamDialect ?? this.identity.protocol;
  }

  /** The upstream accepted the call and did not report all its usage. */
  get needsEstimate(): boolean {
    return this.accepted && !this.usageComplete;
  }

  firstByte(elapsedMs: number): void {
    if (this.ttfbMs === null) this.ttfbMs = round(elapsedMs);
  }

  firstChunk(elapsedMs: number): void {
    if (this.firstChunkMs === null) this.firstChunkMs = elapsedMs;
    this.firstByte(elapsedMs);
  }

  /** The event, once: later calls (a close after a finish) return null. */
  complete(status: number, latencyMs: number, finished: boolean, headersSent: boolean): UsageRecorded | null {
    if (this.done) return null;
    this.done = true;
    const { identity } = this;
    const usage = this.usage ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    const errorKind = this.errorKind ?? (finished ? undefined : 'client_closed');
    // Priced as the route had it when the call was made; an unpriced model's call carries no cost at all.
    const price = this.model?.price ?? null;
    const toolCalls = this.serverToolCalls(usage);
    const toolsUsd = toolCalls * (this.serverTools?.usdPerCall ?? 0);
    const costUsd = price === null ? undefined : toolsUsd === 0 ? costOf(price, usage) : roundUsd(costOf(price, usage) + toolsUsd);
    return {
      requestId: this.requestId,
      agentId: identity.agentId,
      providerId: identity.providerId,
      model: identity.model,
      protocol: identity.protocol,
      stream: identity.stream,
      status: headersSent ? status : CLIENT_CLOSED_STATUS,
      ...(errorKind === undefined ? {} : { errorKind }),
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedTokens: usage.cachedTokens,
      usageSource: this.usageSource,
      ...(this.serverTools === undefined ? {} : { serverToolCalls: toolCalls }),
      ...(price === null ? {} : { costUsd, price }),
      ...(this.budgetLease === undefined ? {} : { budgetLease: this.budgetLease }),
      latencyMs: round(latencyMs),
      ttfbMs: this.ttfbMs,
      attempt: this.attempt,
    };
  }

  /** None unless the upstream accepted the call; chat completions never report theirs, so there the cap applies. */
  private serverToolCalls(usage: TokenUsage): number {
    if (this.serverTools === undefined || !this.accepted) return 0;
    const reported = usage.serverToolCalls;
    const { cap } = this.serverTools;
    if (this.usageComplete && (reported !== undefined || this.usageDialect !== 'openai_chat')) return reported ?? 0;
    return Math.max(reported ?? 0, cap ?? 0);
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
