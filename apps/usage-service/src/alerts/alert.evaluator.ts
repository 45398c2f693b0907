import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from '@switchboard/contracts';
import { BackgroundLoop, errorMessage, type PgEventStore } from '@switchboard/event-store';
import type { Logger } from '@switchboard/telemetry';
import { SCHEMA } from '../projection/usage.migrations.js';
import { recordAlert, type NewAlert } from './alert.recorder.js';
import { allAlertSettings } from './alerts.queries.js';

export interface AlertEvaluatorOptions {
  /** Time between passes (default 30 s). */
  readonly evaluateEveryMs?: number;
  /** What "now" is; specs pin it. */
  readonly clock?: () => Date;
}

export const DEFAULT_EVALUATE_EVERY_MS = 30_000;

const MINUTE_MS = 60_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** One aligned window [start, end) of a tenant's `windowMinutes`. */
interface Window {
  readonly start: Date;
  readonly end: Date;
}

interface ProviderFigures {
  provider_id: string;
  requests: number;
  errors: number;
  successes: number;
  p95: number | null;
}

interface AgentFigures {
  agent_id: string;
  tokens: string;
  baseline: string;
}

/**
 * Every window a pass looks at: the one `now` is in (so an alert comes while the condition lasts) and the
 * one before it (so calls projected after their window turned over still count there).
 */
export function windowsAt(now: Date, windowMinutes: number): Window[] {
  const size = windowMinutes * MINUTE_MS;
  const current = Math.floor(now.getTime() / size) * size;
  return [current - size, current].map((start) => ({ start: new Date(start), end: new Date(start + size) }));
}

/**
 * Raises `error_rate`, `slow_responses` and `token_spike` alerts from the calls in usage.calls, every
 * `evaluateEveryMs`, for every tenant with calls in its recent windows (see AlertSettings for the rules).
 * An alert's dedupe key is its kind, subject and window start, so a condition raises one alert per window
 * however many passes (or replicas) see it.
 */
export class AlertEvaluator {
  private readonly loop: BackgroundLoop;
  private readonly now: () => Date;

  constructor(
    private readonly store: PgEventStore,
    private readonly logger: Logger,
    options: AlertEvaluatorOptions = {},
  ) {
    this.now = options.clock ?? (() => new Date());
    this.loop = new BackgroundLoop(
      {
        pass: async () => {
          await this.evaluate();
          return false;
        },
        onFailure: (err, failures, retryInMs) => this.logger.warn('alert evaluation failed', { error: errorMessage(err), failures, retryInMs }),
      },
      { pollMs: options.evaluateEveryMs ?? DEFAULT_EVALUATE_EVERY_MS },
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Ends the loop after the pass in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass at the clock's now; returns how many alerts it raised (0 when all were raised before). */
  async evaluate(): Promise<number> {
    const now = this.now();
    const custom = await allAlertSettings(this.store.dataSource.manager);
    const widest = Math.max(DEFAULT_ALERT_SETTINGS.windowMinutes, ...[...custom.values()].map((s) => s.windowMinutes)) * MINUTE_MS;
    const tenants: { tenant_id: string }[] = await this.store.dataSource.query(
      `SELECT DISTINCT tenant_id FROM ${SCHEMA}.calls WHERE at >= $1 AND at < $2`,
      [new Date(now.getTime() - 2 * widest), new Date(now.getTime() + widest)],
    );
    let raised = 0;
    for (const { tenant_id: tenantId } of tenants) {
      const settings = custom.get(tenantId) ?? DEFAULT_ALERT_SETTINGS;
      for (const window of windowsAt(now, settings.windowMinutes)) {
        for (const alert of [...(await this.providerAlerts(tenantId, settings, window)), ...(await this.agentAlerts(tenantId, settings, window))]) {
          if (await recordAlert(this.store.dataSource.manager, this.store, { ...alert, at: now })) {
            raised++;
            this.logger.info('alert raised', { tenantId, kind: alert.kind, subject: alert.subject });
          }
        }
      }
    }
    return raised;
  }

  /**
   * error_rate and slow_responses, per provider. Calls the gateway refused for a spent budget are left out:
   * they say nothing of the provider's health, and the budget raises alerts of its own.
   */
  private async providerAlerts(tenantId: string, settings: AlertSettings, window: Window): Promise<NewAlert[]> {
    const rows: ProviderFigures[] = await this.store.dataSource.query(
      `SELECT provider_id, count(*)::int AS requests, (count(*) FILTER (WHERE status >= 400))::int AS errors,
              (count(*) FILTER (WHERE status < 400))::int AS successes,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms::float8) FILTER (WHERE status < 400) AS p95
         FROM ${SCHEMA}.calls
        WHERE tenant_id = $1 AND at >= $2 AND at < $3 AND error_kind IS DISTINCT FROM 'budget_exceeded'
        GROUP BY provider_id`,
      [tenantId, window.start, window.end],
    );
    const span = { windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() };
    const alerts: NewAlert[] = [];
    for (const row of rows) {
      const subject = `provider:${row.provider_id}`;
      if (row.requests >= settings.minRequests && row.errors * 100 >= settings.errorRatePct * row.requests) {
        alerts.push({
          tenantId,
          kind: 'error_rate',
          subject,
          dedupeKey: `error_rate|${subject}|${span.windowStart}`,
          detail: {
            providerId: row.provider_id,
            requests: row.requests,
            errors: row.errors,
            errorRatePct: round2((row.errors * 100) / row.requests),
            thresholdPct: settings.errorRatePct,
            ...span,
          },
        });
      }
      if (row.successes >= settings.minRequests && row.p95 !== null && row.p95 >= settings.p95LatencyMs) {
        alerts.push({
          tenantId,
          kind: 'slow_responses',
          subject,
          dedupeKey: `slow_responses|${subject}|${span.windowStart}`,
          detail: {
            providerId: row.provider_id,
            successfulRequests: row.successes,
            p95LatencyMs: round2(row.p95),
            thresholdMs: settings.p95LatencyMs,
            ...span,
          },
        });
      }
    }
    return alerts;
  }

  /** token_spike, per agent: the window's tokens against the average of the windows before it. */
  private async agentAlerts(tenantId: string, settings: AlertSettings, window: Window): Promise<NewAlert[]> {
    const baselineStart = new Date(window.start.getTime() - settings.baselineWindows * settings.windowMinutes * MINUTE_MS);
    const rows: AgentFigures[] = await this.store.dataSource.query(
      `SELECT agent_id,
              coalesce(sum(input_tokens + output_tokens) FILTER (WHERE at >= $3), 0)::text AS tokens,
              coalesce(sum(input_tokens + output_tokens) FILTER (WHERE at < $3), 0)::text AS baseline
         FROM ${SCHEMA}.calls
        WHERE tenant_id = $1 AND at >= $2 AND at < $4
        GROUP BY agent_id
       HAVING count(*) FILTER (WHERE at >= $3) > 0`,
      [tenantId, baselineStart, window.start, window.end],
    );
    const alerts: NewAlert[] = [];
    for (const row of rows) {
      const tokens = Number(row.tokens);
      const average = Number(row.baseline) / settings.baselineWindows;
      if (average <= 0 || tokens <= settings.spikeFactor * average) continue;
      const subject = `agent:${row.agent_id}`;
      const windowStart = window.start.toISOString();
      alerts.push({
        tenantId,
        kind: 'token_spike',
        subject,
        dedupeKey: `token_spike|${subject}|${windowStart}`,
        detail: {
          agentId: row.agent_id,
          tokens,
          baselineAvgTokens: round2(average),
          spikeFactor: settings.spikeFactor,
          baselineWindows: settings.baselineWindows,
          windowStart,
          windowEnd: window.end.toISOString(),
        },
      });
    }
    return alerts;
  }
}
