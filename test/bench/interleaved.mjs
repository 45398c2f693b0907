// Interleaved measurement for compare.bench.mjs: a cell (streamed or not, a concurrency) runs in rounds, and every
// round runs each target in turn in a rotating order, so that noise on a shared machine hits all alike. Per target:
// latency samples, requests/s, peak RSS of its front process, and CPU time per call summed over its processes
// (`processes()` is asked at each snapshot: PostgreSQL backends come and go), counted until the stack is quiet again
// so that work a call leaves behind (a usage event projected after the answer) is charged to it.
import { chatCaller, latencySummary, resetPeakRss, sample, sleep, vmHwmKb } from './bench-kit.mjs';
import { cpuSnapshot, cpuSpent } from './contenders.mjs';

const TICK_US = 10_000;

/** Waits (up to 20 s) until the given processes spend under 2 ticks per 250 ms: a backlog has been worked off. */
export async function quiet(pids) {
  if (pids.length === 0) return;
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const before = cpuSnapshot(pids);
    await sleep(250);
    if (cpuSpent(before, cpuSnapshot(pids)) < 2) return;
  }
}

/**
 * Target: { name, origin, headers, model?, pid (front process, for RSS), processes: () => pids whose CPU counts,
 * backlog: () => pids to wait for after each run }. Options: { rounds, n, seconds, label }.
 */
export async function runCell(targets, { stream, concurrency, mode }, { rounds, n, seconds, label = '' }) {
  const callers = targets.map((t) => chatCaller(t.origin, '/v1/chat/completions', t.headers, stream, t.model));
  const sets = targets.map(() => []);
  const ticks = targets.map(() => 0);
  const frontTicks = targets.map(() => 0);
  for (const t of targets) if (t.pid) resetPeakRss(t.pid);
  try {
    for (let round = 0; round < rounds; round++) {
      const order = targets.map((_, i) => (i + round) % targets.length);
      process.stdout.write(`  ${label}${mode} c=${concurrency} round ${round + 1}/${rounds}:`);
      for (const i of order) {
        const t = targets[i];
        process.stdout.write(` ${t.name}…`);
        const before = cpuSnapshot(t.processes());
        const frontBefore = t.pid ? cpuSnapshot([t.pid]) : null;
        const warmup = round === 0 ? 200 : 20;
        sets[i].push({ ...(await sample(callers[i], concurrency, { n: Math.ceil(n / rounds), seconds: seconds / rounds, warmup })), warmup });
        await quiet(t.backlog?.() ?? []);
        ticks[i] += cpuSpent(before, cpuSnapshot(t.processes()));
        if (frontBefore !== null) frontTicks[i] += cpuSpent(frontBefore, cpuSnapshot([t.pid]));
      }
      process.stdout.write('\n');
    }
  } finally {
    await Promise.all(callers.map((c) => c.close()));
  }
  return targets.map((t, i) => {
    const calls = sets[i].reduce((sum, s) => sum + s.samples.length + s.warmup, 0);
    return {
      ...latencySummary(...sets[i]),
      peakKb: t.pid ? vmHwmKb(t.pid) : NaN,
      // CPU time per call (warm-up calls included) over every process the target's calls run through, in µs.
      cpuUs: t.processes().length > 0 ? (ticks[i] * TICK_US) / calls : NaN,
      // The same for the front process alone (the gateway, the floor, a composition server).
      frontCpuUs: t.pid ? (frontTicks[i] * TICK_US) / calls : NaN,
    };
  });
}

/**
 * Unmeasured calls to every target, in each of `modes` (false: non-streamed, true: streamed), at concurrency 8 for
 * `seconds` each, before the first cell: a
 * fresh process's first thousands of calls are slower (JIT, caches, budget leases and RPM blocks growing to their size),
 * which would otherwise fall on whichever cell comes first.
 */
export async function warmUp(targets, seconds, modes = [false, true]) {
  if (seconds <= 0) return;
  process.stdout.write(`  warm-up (${seconds} s per target and mode):`);
  for (const t of targets) {
    process.stdout.write(` ${t.name}…`);
    for (const stream of modes) {
      const caller = chatCaller(t.origin, '/v1/chat/completions', t.headers, stream, t.model);
      try {
        await sample(caller, 8, { n: 0, seconds, warmup: 0 });
      } finally {
        await caller.close();
      }
    }
    await quiet(t.backlog?.() ?? []);
  }
  process.stdout.write('\n');
}

export const ratio = (a, b) => (Number.isFinite(a / b) && b !== 0 ? (a / b).toFixed(2) : 'n/a');
export const ms = (v) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
