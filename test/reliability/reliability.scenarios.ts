import { setTimeout as sleep } from 'node:timers/promises';
import { readStreamMessages, type ServiceName } from '@switchboard/testing';
import { MAX_TOKENS, MODEL, type ReliabilityBed, type Route } from './reliability.bed.js';
import {
  budgetHeld,
  checkBudget,
  checkEvents,
  checkUsage,
  recordedIds,
  upstreamMarker,
  type BudgetFigures,
  type EventFigures,
  type UsageFigures,
} from './reliability.checks.js';
import { SteadyLoad, availability, type ClientCall } from './steady.load.js';

type Json = Record<string, unknown>;

/** Calls per second on the route with a large budget, and on the one whose budget runs out mid-scenario. */
const MAIN_RATE = 24;
const TIGHT_RATE = 4;
/** The tight route's budget, in calls: at 4/s it runs out about 6 s in, while the fault is on. */
const TIGHT_BUDGET_CALLS = 25;
const WARM_MS = 3_000;
const AFTER_MS = 3_000;
const CLIENT_TIMEOUT_MS = 5_000;
const RECOVERY_TIMEOUT_MS = 60_000;
/** A SIGKILLed usage-service's unacknowledged events are redelivered after the consumer's ack wait (30 s). */
const SETTLE_TIMEOUT_MS = 45_000;
/** Availability while only non-gateway services are down, with caches warm. */
const MIN_AVAILABILITY = 0.99;

export interface ScenarioContext {
  readonly bed: ReliabilityBed;
  readonly main: Route;
  readonly log: (line: string) => void;
}

export interface Scenario {
  readonly name: string;
  /** What is done, for the progress output. */
  readonly fault: string;
  /** How long the fault lasts before `up`. */
  readonly outageMs: number;
  /** Whether the proxy must stay available during the outage (only non-gateway services down, caches warm). */
  readonly mustStayAvailable: boolean;
  /** The gateway replica killed, if any: its calls are left out of availability, and its in-memory window is reported apart. */
  readonly killedGateway?: number;
  prepare?(ctx: ScenarioContext): Promise<void>;
  down(ctx: ScenarioContext): Promise<void>;
  up(ctx: ScenarioContext): Promise<void>;
  /** True once what the fault took away works again. */
  probe(ctx: ScenarioContext): Promise<boolean>;
  /** Invariants of the scenario's own, checked after the run. */
  extraChecks?(ctx: ScenarioContext): Promise<Invariant[]>;
}

export interface Invariant {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly usage: UsageFigures;
  readonly events: EventFigures;
  readonly budgets: readonly BudgetFigures[];
  readonly availability: { calls: number; ok: number; share: number | null };
  readonly mustStayAvailable: boolean;
  readonly firstSuccessMs: number | null;
  readonly caughtUpMs: number | null;
  readonly invariants: readonly Invariant[];
  readonly ok: boolean;
  readonly seconds: number;
}

const ok2xx = (status: number) => status >= 200 && status < 300;

async function get(ctx: ScenarioContext, path: string): Promise<boolean> {
  try {
    return ok2xx((await ctx.bed.admin.get(path)).status);
  } catch {
    return false;
  }
}

/** One agent call through gateway `gateway`, answered 2xx. */
async function chatOk(ctx: ScenarioContext, gateway = 0): Promise<boolean> {
  try {
    const response = await fetch(`${ctx.bed.stack.gatewayUrls[gateway]}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.main.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'probe' }], max_tokens: MAX_TOKENS }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    await response.text();
    return ok2xx(response.status);
  } catch {
    return false;
  }
}

function killAndRestart(service: ServiceName, probe: (ctx: ScenarioContext) => Promise<boolean>, mustStayAvailable = true): Scenario {
  return {
    name: service,
    fault: `kill -9 ${service}, restart after 5 s`,
    outageMs: 5_000,
    mustStayAvailable,
    down: ({ bed }) => bed.stack.kill(service, 'SIGKILL'),
    up: async ({ bed }) => void bed.stack.spawn(service, 0),
    probe,
  };
}

/** Agent starts of a `direct` agent (its upstream key is unsealed with KMS), every 400 ms while the KMS is down. */
class StartsDuringOutage {
  readonly startIds: string[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  route: Route | null = null;

  begin(ctx: ScenarioContext): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const id = await this.start(ctx);
        if (id !== null) this.startIds.push(id);
        await sleep(400);
      }
    })();
  }

  async end(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async start(ctx: ScenarioContext): Promise<string | null> {
    const route = this.route;
    if (route === null) return null;
    const response = await ctx.bed.admin.post<Json>(`/v1/agents/${route.agentId}/start`, { recipientId: ctx.bed.recipientId }).catch(() => null);
    return response?.status === 202 ? (response.body.startId as string) : null;
  }

  async outcomes(ctx: ScenarioContext): Promise<Map<string, string[]>> {
    const { bed } = ctx;
    const messages = await readStreamMessages(bed.stack.names, bed.stack.names.event(bed.tenantId, 'credential.*'), bed.nats.url);
    const byStart = new Map<string, string[]>();
    for (const m of messages) {
      const startId = m.data.startId as string;
      byStart.set(startId, [...(byStart.get(startId) ?? []), `${String(m.data.type)}${m.data.reason ? `:${String(m.data.reason)}` : ''}`]);
    }
    return byStart;
  }
}

function kmsOutage(): Scenario {
  const starts = new StartsDuringOutage();
  const afterRecovery: string[] = [];
  return {
    name: 'kms',
    fault: 'KMS emulator down for 5 s, agent starts every 400 ms',
    outageMs: 5_000,
    mustStayAvailable: true,
    prepare: async (ctx) => {
      starts.route = await ctx.bed.route('kms-direct', 1000, 'direct');
    },
    down: async (ctx) => {
      ctx.bed.kms.setAvailable(false);
      starts.begin(ctx);
    },
    up: async (ctx) => {
      await starts.end();
      ctx.bed.kms.setAvailable(true);
    },
    probe: async (ctx) => {
      const id = await starts.start(ctx);
      if (id === null) return false;
      afterRecovery.push(id);
      for (let i = 0; i < 50; i++) {
        const outcome = (await starts.outcomes(ctx)).get(id);
        if (outcome !== undefined) return outcome[0] === 'credential.issued';
        await sleep(100);
      }
      return false;
    },
    extraChecks: async (ctx) => {
      const all = [...starts.startIds, ...afterRecovery];
      let outcomes = await starts.outcomes(ctx);
      for (let i = 0; i < 100 && all.some((id) => !outcomes.has(id)); i++) {
        await sleep(200);
        outcomes = await starts.outcomes(ctx);
      }
      const none = all.filter((id) => !outcomes.has(id)).length;
      const twice = all.filter((id) => (outcomes.get(id)?.length ?? 0) > 1).length;
      const denied = starts.startIds.filter((id) => outcomes.get(id)?.[0] === 'credential.denied:kms_unavailable').length;
      const lastIssued = afterRecovery.length > 0 && outcomes.get(afterRecovery[afterRecovery.length - 1])?.[0] === 'credential.issued';
      return [
        { name: 'one outcome per agent start', ok: none === 0 && twice === 0, detail: `${all.length} starts, ${none} without an outcome, ${twice} with more than one` },
        { name: 'starts during the outage denied kms_unavailable', ok: denied === starts.startIds.length, detail: `${denied}/${starts.startIds.length}` },
        { name: 'starts issued after recovery', ok: lastIssued, detail: lastIssued ? 'issued' : 'not issued' },
      ];
    },
  };
}

function upstreamFaults(): Scenario {
  return {
    name: 'upstream',
    fault: 'upstream answers 500 (1.5 s), never answers (1.5 s; clients give up at 5 s), cuts streams after 1 chunk (1.5 s)',
    outageMs: 0,
    mustStayAvailable: false,
    down: async ({ bed }) => {
      bed.mock.configure({ fault: { kind: 'status', status: 500 }, faultCount: null });
      await sleep(1_500);
      bed.mock.configure({ fault: { kind: 'timeout' }, faultCount: null });
      await sleep(1_500);
      bed.mock.configure({ fault: { kind: 'cut', afterChunks: 1 }, faultCount: null });
      await sleep(1_500);
    },
    up: async ({ bed }) => bed.mock.configure({ fault: null, faultCount: null }),
    probe: (ctx) => chatOk(ctx),
  };
}

/** Every scenario of the full run, in order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'gateway',
    fault: 'kill -9 gateway replica 1 of 2, restart after 5 s',
    outageMs: 5_000,
    mustStayAvailable: true,
    killedGateway: 1,
    down: ({ bed }) => bed.stack.kill('gateway', 'SIGKILL', 1),
    up: async ({ bed }) => void bed.stack.spawn('gateway', 1),
    probe: (ctx) => chatOk(ctx, 1),
  },
  killAndRestart('providers-service', (ctx) => get(ctx, `/v1/providers/${ctx.main.providerId}`)),
  killAndRestart('credentials-service', (ctx) => get(ctx, '/v1/secrets')),
  // Budget admissions are usage-service's: with it down, budgeted calls fail closed (503) by design.
  killAndRestart('usage-service', async (ctx) => (await get(ctx, `/v1/providers/${ctx.main.providerId}/budget`)) && chatOk(ctx), false),
  {
    name: 'nats',
    fault: 'kill -9 nats-server (JetStream on its directory), restart on the same port and directory after 5 s',
    outageMs: 5_000,
    // Budget admissions travel on NATS: budgeted calls fail closed while it is down.
    mustStayAvailable: false,
    down: ({ bed }) => bed.nats.kill(),
    up: async ({ bed }) => void (await bed.nats.start()),
    probe: async (ctx) => (await chatOk(ctx)) && (await get(ctx, `/v1/providers/${ctx.main.providerId}`)),
  },
  {
    name: 'postgres',
    fault: 'crash of the PostgreSQL server (immediate shutdown: no checkpoint, unflushed WAL lost), restarted on the same data directory after 5 s',
    outageMs: 5_000,
    mustStayAvailable: false,
    down: async (ctx) => ctx.bed.postgres.crash(),
    up: async (ctx) => {
      await ctx.bed.postgres.start();
    },
    probe: async (ctx) =>
      (await get(ctx, `/v1/providers/${ctx.main.providerId}`)) && (await get(ctx, `/v1/providers/${ctx.main.providerId}/budget`)) && (await chatOk(ctx)),
  },
  kmsOutage(),
  upstreamFaults(),
];

/** The CI subset: one service killed under load and the upstream's faults, well under a minute together. */
export const FAST_SCENARIOS: readonly string[] = ['providers-service', 'upstream'];

/** Client calls via a killed gateway replica that it may have held in memory at the kill (open then, or ended within 1 s before). */
function inKillWindow(calls: readonly ClientCall[], gateway: number, killedAt: number): Set<string> {
  return new Set(calls.filter((c) => c.gateway === gateway && c.startedAt <= killedAt && (c.endedAt === null || c.endedAt >= killedAt - 1_000)).map((c) => c.marker));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return Date.now();
    await sleep(100);
  }
  return null;
}

/** Runs one scenario under steady load and checks its invariants. */
export async function runScenario(bed: ReliabilityBed, scenario: Scenario, log: (line: string) => void): Promise<ScenarioResult> {
  const started = Date.now();
  const main = await bed.route(`${scenario.name}-main`, 100_000);
  const tight = await bed.route(`${scenario.name}-tight`, TIGHT_BUDGET_CALLS);
  const ctx: ScenarioContext = { bed, main, log };
  await scenario.prepare?.(ctx);
  const load = new SteadyLoad({
    gateways: bed.stack.gatewayUrls,
    targets: [
      { name: 'main', key: main.key, perSecond: MAIN_RATE },
      { name: 'tight', key: tight.key, perSecond: TIGHT_RATE },
    ],
    model: MODEL,
    maxTokens: MAX_TOKENS,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    tag: scenario.name,
  });
  log(`${scenario.name}: load ${MAIN_RATE + TIGHT_RATE}/s; warming ${WARM_MS / 1000} s`);
  load.start();
  await sleep(WARM_MS);

  log(`${scenario.name}: ${scenario.fault}`);
  const downAt = Date.now();
  await scenario.down(ctx);
  const excused = scenario.killedGateway === undefined ? new Set<string>() : inKillWindow(load.calls, scenario.killedGateway, downAt);
  await sleep(scenario.outageMs);
  const upAt = Date.now();
  await scenario.up(ctx);
  log(`${scenario.name}: restored; waiting for the first success and for usage to catch up`);
  // Caught up: every call forwarded before the restart whose client received a request id has its usage row.
  const forwarded = new Set([main, tight].flatMap((r) => bed.upstreamCalls(r)).map((c) => upstreamMarker(c) ?? ''));
  const owed = load.calls.filter((c) => c.requestId !== null && c.endedAt !== null && c.endedAt <= upAt && forwarded.has(c.marker) && !excused.has(c.marker));
  const owedIds = owed.map((c) => c.requestId as string);
  const [firstSuccessAt, caughtUpAt] = await Promise.all([
    until(() => scenario.probe(ctx), RECOVERY_TIMEOUT_MS),
    until(async () => {
      const recorded = await recordedIds(bed, owedIds);
      return owedIds.every((id) => recorded.has(id));
    }, RECOVERY_TIMEOUT_MS),
  ]);
  await sleep(AFTER_MS);
  await load.stop();
  log(`${scenario.name}: load stopped (${load.calls.length} calls); checking invariants`);

  const clientIds = new Map(load.calls.filter((c) => c.requestId !== null).map((c) => [c.marker, c.requestId as string]));
  const usage = await checkUsage(bed, [main, tight], clientIds, excused, SETTLE_TIMEOUT_MS);
  const events = await checkEvents(bed, 20_000);
  const refused = (target: string) => load.calls.filter((c) => c.target === target && c.status === 429).length;
  const budgets = [await checkBudget(bed, main, refused('main')), await checkBudget(bed, tight, refused('tight'))];
  const served = scenario.killedGateway === undefined ? load.calls : load.calls.filter((c) => c.gateway !== scenario.killedGateway);
  const avail = availability(served, 'main', downAt, upAt);
  const invariants: Invariant[] = [
    { name: 'no usage lost', ok: usage.lost === 0, detail: `${usage.lost} of ${usage.upstream} upstream calls without a usage row` },
    { name: 'no usage counted twice', ok: usage.double === 0, detail: `${usage.double}` },
    { name: 'no committed event missing from JetStream', ok: events.missing === 0, detail: `${events.missing} of ${events.committed}` },
    ...budgets.map((b) => ({
      name: `budget held (${b.route})`,
      ok: budgetHeld(b),
      detail: `spent ${b.spentUsd.toFixed(3)} / upstream ${b.upstreamUsd.toFixed(3)} / limit ${b.limitUsd.toFixed(3)} USD; full calls ${b.fullCalls} ≤ ${b.allowedCalls}`,
    })),
    { name: 'recovered', ok: firstSuccessAt !== null, detail: firstSuccessAt === null ? 'no success within 60 s' : `${firstSuccessAt - upAt} ms` },
    { name: 'usage caught up', ok: caughtUpAt !== null, detail: caughtUpAt === null ? 'not within 60 s' : `${caughtUpAt - upAt} ms` },
  ];
  if (scenario.mustStayAvailable) {
    invariants.push({
      name: 'proxy available during the outage',
      ok: avail.share !== null && avail.share >= MIN_AVAILABILITY,
      detail: `${avail.ok}/${avail.calls} answered 2xx`,
    });
  }
  invariants.push(...((await scenario.extraChecks?.(ctx)) ?? []));
  const result: ScenarioResult = {
    name: scenario.name,
    usage,
    events,
    budgets,
    availability: avail,
    mustStayAvailable: scenario.mustStayAvailable,
    firstSuccessMs: firstSuccessAt === null ? null : firstSuccessAt - upAt,
    caughtUpMs: caughtUpAt === null ? null : caughtUpAt - upAt,
    invariants,
    ok: invariants.every((i) => i.ok),
    seconds: (Date.now() - started) / 1000,
  };
  for (const i of invariants) log(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`);
  return result;
}

const pct = (share: number | null) => (share === null ? '-' : `${(share * 100).toFixed(1)} %`);

/** One row per scenario: the figures README's Reliability section explains. */
export function summaryRows(results: readonly ScenarioResult[]): Record<string, string | number>[] {
  return results.map((r) => {
    const tight = r.budgets.find((b) => b.route.endsWith('-tight'));
    const main = r.budgets.find((b) => b.route.endsWith('-main'));
    return {
      scenario: r.name,
      'upstream calls': r.usage.upstream,
      'usage rows': r.usage.rows,
      lost: r.usage.lost,
      'lost (kill window)': r.usage.excused,
      'counted twice': r.usage.double,
      'events missing': `${r.events.missing}/${r.events.committed}`,
      'main spent/limit USD': main ? `${main.spentUsd.toFixed(3)}/${main.limitUsd.toFixed(0)}` : '-',
      'tight upstream/allowed': tight ? `${tight.fullCalls}/${tight.allowedCalls} (${tight.refused} refused)` : '-',
      'available during outage': `${pct(r.availability.share)}${r.mustStayAvailable ? '' : ' (not required)'}`,
      'first success ms': r.firstSuccessMs ?? 'never',
      'caught up ms': r.caughtUpMs ?? 'never',
      result: r.ok ? 'ok' : 'FAIL',
    };
  });
}
