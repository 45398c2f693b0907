import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICES, type RunningService, type ServiceName } from '@switchboard/testing';
import { CALL_COST_USD, MAX_TOKENS, MODEL } from '../reliability/reliability.bed.js';
import { budgetHeld, checkBudget, checkEvents, checkUsage, recordedIds, upstreamMarker, type UsageFigures } from '../reliability/reliability.checks.js';
import { SteadyLoad, type ClientCall } from '../reliability/steady.load.js';
import type { ClusterBed, ClusterRoute } from './cluster.bed.js';

/** Calls per second: `main` (budget and RPM limit never reached), `tight` (a budget of 25 calls), `limited` (20 RPM). */
const RATES = { main: 24, tight: 4, limited: 4 } as const;
const TIGHT_BUDGET_CALLS = 25;
const LIMITED_RPM = 20;
const WARM_MS = 3_000;
const OUTAGE_MS = 5_000;
const AFTER_MS = 3_000;
/** A client waits this long: long enough to wait out a JetStream election rather than give up during it. */
const CLIENT_TIMEOUT_MS = 15_000;
const RECOVERY_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 45_000;
export const MIN_AVAILABILITY = 0.99;

export interface Invariant {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What a step's fault did, as its down() found it. */
interface Fault {
  readonly what: string;
  /** Kill → every stack stream led by a live node (NATS steps). */
  readonly failoverMs: number | null;
  /** Calls to this gateway replica are left out (it was killed), and its in-memory window is excused. */
  readonly killedGateway?: number;
  /** After the restart: resolves when what was killed serves again; the time it took. */
  restore(): Promise<number | null>;
}

export interface Step {
  readonly name: string;
  /** Availability of `main` during the fault must be ≥ 99 %. */
  readonly mustStayAvailable: boolean;
  /** Before the load starts. */
  prepare?(bed: ClusterBed, log: (line: string) => void): Promise<void>;
  down(bed: ClusterBed, log: (line: string) => void): Promise<Fault>;
}

export interface StepResult {
  readonly name: string;
  readonly fault: string;
  readonly calls: number;
  readonly available: { readonly calls: number; readonly ok: number; readonly share: number | null };
  readonly errors: string;
  readonly failoverMs: number | null;
  readonly restoredMs: number | null;
  readonly caughtUpMs: number | null;
  readonly usage: UsageFigures;
  readonly invariants: readonly Invariant[];
  readonly ok: boolean;
}

/**
 * Kills the NATS node that leads EVENTS (`events-leader`; the RPM limiter's KV bucket is moved there first by
 * leader step-downs, so the kill takes both leaders at once), or one that neither leads EVENTS nor was killed by
 * the step before (`another`); restored once every stream of the stack has all its followers current again.
 */
function natsStep(name: string, pick: 'events-leader' | 'another'): Step {
  return {
    name,
    mustStayAvailable: true,
    ...(pick === 'events-leader'
      ? {
          prepare: async (bed: ClusterBed, log: (line: string) => void) => {
            const leader = (await bed.cluster.replicas(bed.stack.names.eventsStream))?.leader;
            const kv = `KV_${bed.stack.names.namespace}_sb_rate`;
            if (leader && (await bed.cluster.moveLeader(kv, leader))) log(`${name}: ${kv} now led by ${leader}, as EVENTS is`);
            else log(`${name}: could not move ${kv} to the EVENTS leader ${leader ?? '(none)'}`);
          },
        }
      : {}),
    down: async (bed, log) => {
      const streams = await bed.streams();
      const events = await bed.cluster.replicas(bed.stack.names.eventsStream);
      const leader = events?.leader ?? null;
      const before = previousKill.value;
      const target = pick === 'events-leader' ? leader : (bed.cluster.nodes.find((n) => n.name !== leader && n.name !== before)?.name ?? null);
      if (target === null) throw new Error(`${name}: no node to kill (EVENTS leader ${leader})`);
      previousKill.value = target;
      const node = bed.cluster.node(target);
      const led = (await Promise.all(streams.map((s) => bed.cluster.replicas(s)))).filter((r) => r?.leader === target).map((r) => r?.stream);
      log(`${name}: kill -9 NATS node ${target} (leads ${led.length > 0 ? led.join(', ') : 'no stream of the stack'}; EVENTS leader ${leader})`);
      const killedAt = Date.now();
      await node.server.kill();
      const waits = await Promise.all(streams.map((s) => bed.cluster.waitLeader(s, target, OUTAGE_MS * 6)));
      const failoverMs = waits.some((w) => w === null) ? null : Date.now() - killedAt;
      return {
        what: `kill -9 NATS node ${target} (${led.length > 0 ? `leader of ${led.map((x) => shortName(x ?? '')).join(', ')}` : 'a follower'})`,
        failoverMs,
        restore: async () => {
          const started = Date.now();
          await node.server.start();
          const current = await bed.cluster.waitCurrent(streams, RECOVERY_TIMEOUT_MS);
          return current === null ? null : Date.now() - started;
        },
      };
    },
  };
}

const previousKill: { value: string | null } = { value: null };

/** `EVENTS_<NS>` → `EVENTS`, `KV_<ns>_sb_rate` → `KV sb_rate`. */
const shortName = (stream: string) => (stream.startsWith('KV_') ? `KV ${stream.split('_').slice(2).join('_')}` : stream.split('_')[0]);

/** Kills process `index` of a service with SIGKILL and starts it again; restored once it logs that it is ready. */
export function serviceStep(service: ServiceName, index = 1): Step {
  return {
    name: service,
    mustStayAvailable: false,
    down: async (bed, log) => {
      log(`${service}: kill -9 ${service}#${index} (of 2)`);
      await bed.stack.kill(service, 'SIGKILL', index);
      return {
        what: `kill -9 ${service}#${index}`,
        failoverMs: null,
        ...(service === 'gateway' ? { killedGateway: index } : {}),
        restore: async () => {
          const started = Date.now();
          const running: RunningService = bed.stack.spawn(service, index);
          const ready = await until(async () => (service === 'gateway' ? readyz(bed.stack.gatewayUrls[index]) : /"ready"|\bready\b/.test(running.output())), RECOVERY_TIMEOUT_MS);
          return ready === null ? null : ready - started;
        },
      };
    },
  };
}

async function readyz(url: string): Promise<boolean> {
  const response = await fetch(`${url}/readyz`).catch(() => null);
  return response?.status === 200;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return Date.now();
    await sleep(100);
  }
  return null;
}

/** The full run: the EVENTS leader, then another node, then one process of each service. */
export function allSteps(): Step[] {
  previousKill.value = null;
  return [natsStep('nats-events-leader', 'events-leader'), natsStep('nats-another-node', 'another'), ...SERVICES.map((s) => serviceStep(s))];
}

/** The CI subset: the EVENTS leader and one gateway replica. */
export function ciSteps(): Step[] {
  previousKill.value = null;
  return [natsStep('nats-events-leader', 'events-leader'), serviceStep('gateway')];
}

function inKillWindow(calls: readonly ClientCall[], gateway: number, killedAt: number): Set<string> {
  return new Set(calls.filter((c) => c.gateway === gateway && c.startedAt <= killedAt && (c.endedAt === null || c.endedAt >= killedAt - 1_000)).map((c) => c.marker));
}

const ok2xx = (c: ClientCall) => c.status !== null && c.status >= 200 && c.status < 300;

/** Non-2xx answers by status, e.g. `503×2, no answer×1`; `none` when there were none. */
function errorsByStatus(calls: readonly ClientCall[]): string {
  const counts = new Map<string, number>();
  for (const c of calls.filter((x) => !ok2xx(x))) {
    const key = c.status === 0 || c.status === null ? 'no answer' : String(c.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size === 0 ? 'none' : [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}

/** Runs one step under steady load (fresh routes) and checks the invariants of the reliability suite. */
export async function runStep(bed: ClusterBed, step: Step, log: (line: string) => void): Promise<StepResult> {
  const tag = `${step.name}-${Date.now().toString(36)}`;
  const routes: Record<keyof typeof RATES, ClusterRoute> = {
    main: await bed.route(`${tag}-main`, 1_000_000, 1_000_000),
    tight: await bed.route(`${tag}-tight`, TIGHT_BUDGET_CALLS),
    limited: await bed.route(`${tag}-limited`, 1_000_000, LIMITED_RPM),
  };
  const load = new SteadyLoad({
    gateways: bed.stack.gatewayUrls,
    targets: (Object.keys(RATES) as Array<keyof typeof RATES>).map((k) => ({ name: k, key: routes[k].key, perSecond: RATES[k] })),
    model: MODEL,
    maxTokens: MAX_TOKENS,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    tag,
  });
  await step.prepare?.(bed, log);
  const loadStarted = Date.now();
  load.start();
  await sleep(WARM_MS);
  const downAt = Date.now();
  const fault = await step.down(bed, log);
  const excused = fault.killedGateway === undefined ? new Set<string>() : inKillWindow(load.calls, fault.killedGateway, downAt);
  await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
  const upAt = Date.now();
  const all = Object.values(routes);
  const forwarded = new Set(all.flatMap((r) => bed.upstreamCalls(r)).map((c) => upstreamMarker(c) ?? ''));
  const owed = load.calls.filter((c) => c.requestId !== null && c.endedAt !== null && c.endedAt <= upAt && forwarded.has(c.marker) && !excused.has(c.marker));
  const [restoredMs, caughtUpAt] = await Promise.all([
    fault.restore(),
    until(async () => {
      const recorded = await recordedIds(bed, owed.map((c) => c.requestId as string));
      return owed.every((c) => recorded.has(c.requestId as string));
    }, RECOVERY_TIMEOUT_MS),
  ]);
  log(`${step.name}: restored in ${restoredMs ?? 'never'} ms; running ${AFTER_MS / 1000} s more`);
  await sleep(AFTER_MS);
  await load.stop();
  const loadEnded = Date.now();

  const clientIds = new Map(load.calls.filter((c) => c.requestId !== null).map((c) => [c.marker, c.requestId as string]));
  const usage = await checkUsage(bed, all, clientIds, excused, SETTLE_TIMEOUT_MS);
  const events = await checkEvents(bed, 20_000);
  const refused = (target: string) => load.calls.filter((c) => c.target === target && c.status === 429).length;
  const forwardedNow = new Set(all.flatMap((r) => bed.upstreamCalls(r)).map((c) => upstreamMarker(c) ?? ''));
  const budgets = await Promise.all(all.map((r) => checkBudget(bed, r, refused(r.name.slice(tag.length + 1)))));
  const main = load.calls.filter((c) => c.target === 'main' && c.startedAt >= downAt && c.gateway !== fault.killedGateway);
  const available = { calls: main.length, ok: main.filter(ok2xx).length, share: main.length === 0 ? null : main.filter(ok2xx).length / main.length };
  // RPM: the limited route never got more calls upstream than its limit in any minute the step touched.
  const minutes = Math.floor(loadEnded / 60_000) - Math.floor(loadStarted / 60_000) + 1;
  const limitedUpstream = bed.upstreamCalls(routes.limited).length;
  const invariants: Invariant[] = [
    { name: 'no usage lost', ok: usage.lost === 0, detail: `${usage.lost} of ${usage.upstream} upstream calls without a usage row` },
    { name: 'no usage counted twice', ok: usage.double === 0, detail: `${usage.double}` },
    { name: 'no committed event missing from JetStream', ok: events.missing === 0, detail: `${events.missing} of ${events.committed}` },
    ...budgets.map((b) => {
      // A call a SIGKILLed gateway held in memory may lose its usage event (README: the kill window), so its
      // reservation expires and the budget admits one call more: allowed, as many as the window excuses, and shown.
      const target = b.route.slice(tag.length + 1);
      const window = [...excused].filter((m) => m.startsWith(`${tag}:${target}:`) && forwardedNow.has(m)).length;
      const allowance = Math.min(window, usage.excused);
      const held = allowance === 0 ? budgetHeld(b) : b.spentUsd <= b.limitUsd + 1e-9 && budgetHeld({ ...b, allowedCalls: b.allowedCalls + allowance, limitUsd: b.limitUsd + allowance * CALL_COST_USD });
      const extra = allowance > 0 ? ` (+${allowance} in the killed gateway's window)` : '';
      return { name: `budget held (${target})`, ok: held, detail: `spent ${b.spentUsd.toFixed(3)} ≤ ${b.limitUsd.toFixed(3)} USD; full calls ${b.fullCalls} ≤ ${b.allowedCalls}${extra}` };
    }),
    { name: 'RPM limit held (limited)', ok: limitedUpstream <= LIMITED_RPM * minutes, detail: `${limitedUpstream} upstream calls ≤ ${LIMITED_RPM}/min × ${minutes} min` },
    { name: 'restored', ok: restoredMs !== null, detail: restoredMs === null ? 'not within 60 s' : `${restoredMs} ms` },
    { name: 'usage caught up', ok: caughtUpAt !== null, detail: caughtUpAt === null ? 'not within 60 s' : `${caughtUpAt - upAt} ms` },
  ];
  if (step.mustStayAvailable) {
    invariants.push({ name: `available ≥ ${MIN_AVAILABILITY * 100} % (main, from the kill on)`, ok: available.share !== null && available.share >= MIN_AVAILABILITY, detail: `${available.ok}/${available.calls} answered 200` });
  }
  for (const i of invariants) log(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`);
  return {
    name: step.name,
    fault: fault.what,
    calls: load.calls.length,
    available,
    errors: errorsByStatus(main),
    failoverMs: fault.failoverMs,
    restoredMs,
    caughtUpMs: caughtUpAt === null ? null : caughtUpAt - upAt,
    usage,
    invariants,
    ok: invariants.every((i) => i.ok),
  };
}

/** One row per step for console.table (README "Reliability" shows one full run). */
export function tableRows(results: readonly StepResult[]): Record<string, string | number>[] {
  return results.map((r) => ({
    step: r.name,
    fault: r.fault,
    calls: r.calls,
    'available (main)': r.available.share === null ? '-' : `${(r.available.share * 100).toFixed(1)} % (${r.available.ok}/${r.available.calls})`,
    'errors (main)': r.errors,
    'failover ms': r.failoverMs ?? '-',
    'restored ms': r.restoredMs ?? 'never',
    'caught up ms': r.caughtUpMs ?? 'never',
    'usage rows/upstream': `${r.usage.rows}/${r.usage.upstream}`,
    'lost/twice/kill window': `${r.usage.lost}/${r.usage.double}/${r.usage.excused}`,
    result: r.ok ? 'ok' : 'FAIL',
  }));
}
