import { estimateUsage, promptText, tokenizerFamilyOf, type JsonObject, type ProviderProtocol, type TokenCounter } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import type { ServerResponse } from 'node:http';
import type { ProxyMetrics } from '../../metrics/proxy.metrics.js';
import type { CallMeter } from '../meter/call.meter.js';
import { endUpstreamSpan, withinSpan } from '../forward/genai.span.js';
import type { UsagePublisher } from './usage.publisher.js';

/** What an estimate needs of the request, kept until the call's usage event. */
export interface EstimateContext {
  /** The body as sent upstream, in the upstream's dialect (meter.usageDialect). */
  readonly body: JsonObject;
  readonly providerProtocol: ProviderProtocol;
  /** A non-streamed answer that never arrived is charged its output bound. */
  readonly outputFloor: number;
  /** The tenant's bound on history stored at the provider that the call referred to (0 when none): counted as input. */
  readonly historyTokens: number;
}

/** What the event takes of the answer: the client's reply, or the answer of an attempt the call failed over from. */
export interface RecordedAnswer {
  readonly res: Pick<ServerResponse, 'statusCode' | 'headersSent' | 'writableFinished'>;
  readonly elapsedMs: number;
}

/**
 * Queues each call's usage event, once. A call the upstream accepted but did not report in full is estimated first,
 * off the response path (the tokenizers run in a worker), so it is never recorded, nor settled against its budget,
 * as free.
 */
export class UsageRecorder {
  /** Estimates still counting: their usage events are not queued yet. */
  private readonly estimating = new Set<Promise<void>>();

  constructor(
    private readonly usage: UsagePublisher,
    private readonly tokens: TokenCounter,
    private readonly logger: Logger,
    /** Counts each event as it is queued: the metrics' tokens and cost are the event's own figures. */
    private readonly metrics: ProxyMetrics | null = null,
  ) {}

  record(meter: CallMeter, answer: RecordedAnswer, estimate: EstimateContext | null): void {
    const { statusCode, headersSent, writableFinished } = answer.res;
    const latencyMs = answer.elapsedMs;
    // The upstream span ends with the figures of the event, and the event carries that span's traceparent, so the
    // projection of the call continues its trace.
    const publish = (): void => {
      const event = meter.complete(statusCode, latencyMs, writableFinished, headersSent);
      if (event === null) return;
      const span = meter.upstreamSpan;
      if (span !== null) {
        const { inputTokens, outputTokens, usageSource, errorKind } = event;
        endUpstreamSpan(span, { responseModel: meter.responseModel, inputTokens, outputTokens, usageSource, errorKind });
      }
      withinSpan(meter.traceContext, span, () => this.usage.record(meter.identity.tenantId, event));
      this.metrics?.record(event, meter.firstChunkMs);
    };
    if (!meter.needsEstimate || estimate === null) return publish();
    const estimating: Promise<void> = estimateUsage(this.tokens, {
      family: tokenizerFamilyOf(estimate.providerProtocol),
      prompt: promptText(meter.usageDialect, estimate.body),
      reported: meter.usage,
      generated: meter.tracker?.generatedText() ?? null,
      outputFloor: estimate.outputFloor,
      historyTokens: estimate.historyTokens,
    })
      .then((usage) => {
        meter.usage = usage;
        meter.usageSource = 'estimated';
      })
      .catch((error: unknown) => this.logger.error('usage estimate failed; the upstream figures are recorded', { requestId: meter.requestId, error: (error as Error).message }))
      .finally(() => {
        publish();
        this.estimating.delete(estimating);
      });
    this.estimating.add(estimating);
  }

  /** Resolves once every estimate in flight has queued its usage event (before the publisher stops). */
  async settled(): Promise<void> {
    await Promise.all([...this.estimating]);
  }
}
