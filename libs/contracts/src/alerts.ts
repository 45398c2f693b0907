import { z } from 'zod';
import { Actor } from './access.js';
import { ExpectedVersion } from './common.js';
import { defineOperation } from './operation.js';
import { PageRequest, pageOf } from './pages.js';
import { fromGateway } from './service-access.js';

/**
 * What an alert is about. usage-service raises the first four from the calls it projects; `budget_threshold`
 * is raised by the budget code when a provider's spend crosses 50, 80 and 100 % of its monthly budget.
 */
export const AlertKind = z.enum(['token_spike', 'error_rate', 'slow_responses', 'unpriced_model', 'budget_threshold']);
export type AlertKind = z.infer<typeof AlertKind>;

/**
 * One row of GET /v1/alerts. `subject` names what the alert is about: `provider:<providerId>`,
 * `agent:<agentId>` or `model:<providerId>/<model>`; `detail` holds the figures that raised it (counts,
 * the measured value, the threshold, the window).
 */
export const AlertView = z.object({
  id: z.string(),
  kind: AlertKind,
  subject: z.string(),
  at: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AlertView = z.infer<typeof AlertView>;

/** An instant with its offset (`2025-01-31T10:00:00Z`), as `since` of GET /v1/alerts. */
export const AlertSince = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time like 2025-01-31T10:00:00Z' });

/**
 * A tenant's alert thresholds. The evaluator looks at aligned windows of `windowMinutes` (10:00–10:05,
 * 10:05–10:10, …):
 * - `error_rate`: per provider, errors (status ≥ 400) ≥ `errorRatePct` % of at least `minRequests` calls;
 * - `slow_responses`: per provider, p95 latency of at least `minRequests` successful calls ≥ `p95LatencyMs`;
 * - `token_spike`: per agent, tokens (input + output) > `spikeFactor` × the average per window over the
 *   `baselineWindows` windows before (never while that average is zero).
 */
export const AlertSettings = z.object({
  errorRatePct: z.number().finite().gt(0, 'must be more than 0').max(100, 'must be at most 100'),
  minRequests: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000'),
  p95LatencyMs: z.number().finite().gt(0, 'must be more than 0').max(3_600_000, 'must be at most 3600000 (an hour)'),
  spikeFactor: z.number().finite().min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
  windowMinutes: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1440, 'must be at most 1440 (a day)'),
  baselineWindows: z.number().int('must be a whole number').min(1, 'must be at least 1').max(288, 'must be at most 288'),
});
export type AlertSettings = z.infer<typeof AlertSettings>;

/** What a tenant that never changed its settings gets. */
export const DEFAULT_ALERT_SETTINGS: Readonly<AlertSettings> = Object.freeze({
  errorRatePct: 20,
  minRequests: 20,
  p95LatencyMs: 10_000,
  spikeFactor: 3,
  windowMinutes: 5,
  baselineWindows: 12,
});

/** GET/PUT /v1/alerts/settings answer: the settings in force and their version (the ETag). */
export const AlertSettingsView = AlertSettings.extend({ version: z.number().int() });
export type AlertSettingsView = z.infer<typeof AlertSettingsView>;

/** PUT /v1/alerts/settings: the fields sent replace the current ones; the others keep their values. */
export const PutAlertSettingsBody = AlertSettings.partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'must set at least one of errorRatePct, minRequests, p95LatencyMs, spikeFactor, windowMinutes, baselineWindows');
export type PutAlertSettingsBody = z.infer<typeof PutAlertSettingsBody>;

/**
 * Alerts are usage-service's. Admins and members read them; only admins change the settings.
 * `list` answers newest first, a page of alerts at or after `since` (see PageRequest).
 */
export const AlertOps = {
  list: defineOperation(
    'usage.v1.alerts.list',
    z.object({ actor: Actor, since: AlertSince.optional(), kind: AlertKind.optional(), ...PageRequest }),
    pageOf(AlertView),
    fromGateway,
  ),
  getSettings: defineOperation('usage.v1.alerts.get-settings', z.object({ actor: Actor }), AlertSettingsView, fromGateway),
  putSettings: defineOperation(
    'usage.v1.alerts.put-settings',
    z.object({ actor: Actor, changes: PutAlertSettingsBody, expectedVersion: ExpectedVersion }),
    AlertSettingsView,
    fromGateway,
  ),
} as const;
