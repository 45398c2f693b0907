import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { readStreamMessages, type MockCall, type Stack } from '@switchboard/testing';
import { CALL_COST_USD, OUTPUT_USD_PER_MTOK, type Route } from './reliability.bed.js';

/** What the checks read (a ReliabilityBed, or test/cluster's bed): the stack's database and names, a NATS URL, the upstream's record. */
export interface CheckedBed {
  readonly db: pg.Pool;
  readonly stack: Pick<Stack, 'names'>;
  readonly nats: { readonly url: string };
  upstreamCalls(route: Route): MockCall[];
}

/** The prompt a load call sent (its marker). */
export function upstreamMarker(call: MockCall): string | null {
  const body = call.body as { messages?: Array<{ content?: unknown }> } | undefined;
  const content = body?.messages?.[0]?.content;
  return typeof content === 'string' ? content : null;
}

export interface UsageFigures {
  /** Completions the upstream saw. */
  readonly upstream: number;
  /** usage.calls rows of calls that reached the upstream (see REACHED_UPSTREAM). */
  readonly rows: number;
  /** Upstream calls with no usage row, beyond those `excused` (see checkUsage). */
  readonly lost: number;
  /** Upstream calls with no usage row that the documented SIGKILL window of a gateway excuses. */
  readonly excused: number;
  /** Counted more than once: rows over upstream calls, daily requests over rows, the ledger's spend over the rows' costs (in calls). */
  readonly double: number;
}

/**
 * A usage row of a call the gateway forwarded: the upstream answered (a time to first byte), or the call ended
 * while waiting for it (the client left, or the upstream failed). Calls refused before forwarding (budget,
 * admission unavailable) have neither. The gateway does not send its request id upstream, so upstream calls and
 * rows are matched by count per route, and by request id wherever a client received one (x-request-id).
 */
const REACHED_UPSTREAM = `(ttfb_ms IS NOT NULL OR error_kind = 'client_closed' OR error_kind LIKE 'upstream\\_%')`;

interface Rows {
  readonly ids: ReadonlySet<string>;
  readonly reached: number;
}

async function usageRows(bed: CheckedBed, routes: readonly Route[]): Promise<Rows> {
  const { rows } = await bed.db.query<{ request_id: string; reached: boolean }>(
    `SELECT request_id, ${REACHED_UPSTREAM} AS reached FROM usage.calls WHERE provider_id = ANY($1)`,
    [routes.map((r) => r.providerId)],
  );
  return { ids: new Set(rows.map((r) => r.request_id)), reached: rows.filter((r) => r.reached).length };
}

/** Which of `requestIds` have a usage row. */
export async function recordedIds(bed: CheckedBed, requestIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await bed.db.query<{ request_id: string }>(`SELECT request_id FROM usage.calls WHERE request_id = ANY($1)`, [requestIds]);
  return new Set(rows.map((r) => r.request_id));
}

async function aggregatesOff(bed: CheckedBed, routes: readonly Route[]): Promise<number> {
  let off = 0;
  for (const route of routes) {
    const { rows } = await bed.db.query<{ daily: string; calls: string; spent: string; costs: string }>(
      `SELECT (SELECT coalesce(sum(requests), 0) FROM usage.daily WHERE provider_id = $1) AS daily,
              (SELECT count(*) FROM usage.calls WHERE provider_id = $1) AS calls,
              (SELECT coalesce(sum(spent_usd), 0) FROM usage.budget_ledger WHERE scope = 'provider' AND subject_id = $1) AS spent,
              (SELECT coalesce(sum(cost_usd), 0) FROM usage.calls WHERE provider_id = $1) AS costs`,
      [route.providerId],
    );
    const a = rows[0];
    if (a === undefined) continue;
    off += Math.abs(Number(a.daily) - Number(a.calls));
    // Spend in whole calls: a double-charged call shows as one.
    off += Math.round((Math.abs(Number(a.spent) - Number(a.costs)) / CALL_COST_USD) * 1000) / 1000;
  }
  return off;
}

/**
 * Calls the upstream saw = usage recorded: as many rows of forwarded calls as upstream calls per route, a row
 * for every request id a client received for a call the upstream saw, and daily aggregates and the budget
 * ledger that agree with the rows. Waits up to `timeoutMs` for projections to settle (a killed usage-service's
 * unacknowledged events come back after the consumer's ack wait). `clientIds`: marker → x-request-id the client
 * received. `excusedMarkers`: calls a SIGKILLed gateway may have held in memory (the README's documented window),
 * reported apart.
 */
export async function checkUsage(
  bed: CheckedBed,
  routes: readonly Route[],
  clientIds: ReadonlyMap<string, string>,
  excusedMarkers: ReadonlySet<string>,
  timeoutMs: number,
): Promise<UsageFigures> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const upstream = routes.flatMap((r) => bed.upstreamCalls(r));
    const rows = await usageRows(bed, routes);
    const markers = upstream.map((c) => upstreamMarker(c) ?? '');
    const lostById = markers.filter((m) => !excusedMarkers.has(m) && clientIds.has(m) && !rows.ids.has(clientIds.get(m) as string)).length;
    const short = upstream.length - rows.reached;
    const excused = Math.max(0, Math.min(short, markers.filter((m) => excusedMarkers.has(m)).length));
    const lost = Math.max(lostById, short - excused, 0);
    const double = Math.max(0, -short) + (await aggregatesOff(bed, routes));
    const figures: UsageFigures = { upstream: upstream.length, rows: rows.reached, lost, excused, double };
    if ((lost === 0 && double === 0) || Date.now() > deadline) return figures;
    await sleep(250);
  }
}

export interface EventFigures {
  /** Events committed to the services' event stores. */
  readonly committed: number;
  /** Of those, not in the EVENTS stream. */
  readonly missing: number;
}

/** Every event in every service's event store (`<schema>.events`) is in JetStream's EVENTS stream, by eventId. */
export async function checkEvents(bed: CheckedBed, timeoutMs: number): Promise<EventFigures> {
  const { rows: schemas } = await bed.db.query<{ schema: string }>(
    `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'events' AND table_type = 'BASE TABLE'`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const committed: string[] = [];
    for (const { schema } of schemas) {
      const { rows } = await bed.db.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".events`);
      committed.push(...rows.map((r) => r.event_id));
    }
    const inStream = new Set(
      (await readStreamMessages(bed.stack.names, bed.stack.names.eventsSubjects, bed.nats.url)).map((m) => m.msgId ?? String(m.data.eventId)),
    );
    const missing = committed.filter((id) => !inStream.has(id)).length;
    if (missing === 0 || Date.now() > deadline) return { committed: committed.length, missing };
    await sleep(500);
  }
}

export interface BudgetFigures {
  readonly route: string;
  readonly limitUsd: number;
  readonly spentUsd: number;
  /** What the upstream billed through the route (the output tokens it reported, at the model's price). */
  readonly upstreamUsd: number;
  /** Calls the upstream answered in full (each costs exactly the reservation). */
  readonly fullCalls: number;
  readonly allowedCalls: number;
  /** Calls the gateway refused for the budget (429). */
  readonly refused: number;
}

export async function checkBudget(bed: CheckedBed, route: Route, refused: number): Promise<BudgetFigures> {
  const { rows } = await bed.db.query<{ spent: string }>(
    `SELECT coalesce(sum(spent_usd), 0) AS spent FROM usage.budget_ledger WHERE scope = 'provider' AND subject_id = $1`,
    [route.providerId],
  );
  const upstream = bed.upstreamCalls(route);
  const upstreamUsd = upstream.reduce((sum, c) => sum + ((c.usage?.outputTokens ?? 0) * OUTPUT_USD_PER_MTOK) / 1_000_000, 0);
  return {
    route: route.name,
    limitUsd: route.limitUsd,
    spentUsd: Number(rows[0]?.spent ?? 0),
    upstreamUsd,
    fullCalls: upstream.filter((c) => c.status === 200 && c.fault === null).length,
    allowedCalls: route.budgetCalls,
    refused,
  };
}

/** Ledger spend and upstream bill within the limit (a micro-dollar of rounding), full calls within the budget's count. */
export const budgetHeld = (b: BudgetFigures): boolean =>
  b.spentUsd <= b.limitUsd + 1e-9 && b.upstreamUsd <= b.limitUsd + 1e-9 && b.fullCalls <= b.allowedCalls;
