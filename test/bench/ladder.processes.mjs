// CPU time by process group of a stack, for ladder.breakdown.mjs and usage.bench.mjs: the front process (a gateway or
// a composition server, if any), usage-service, the other services, nats-server and PostgreSQL (the stack's
// database's backends and the writers every commit goes through). NATS and the PostgreSQL writers are shared with
// anything else running on the machine.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuTicks } from './bench-kit.mjs';

const TICK_US = 10_000;
const POSTGRES_SHARED = /postgres: .*(walwriter|checkpointer|background writer)/;

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** The processes of each group, found now (PostgreSQL backends come and go). */
export function processGroups(stack, front = null) {
  const pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  const running = stack.services.filter((s) => s.child.exitCode === null);
  const postgres = pids.filter((pid) => read(`/proc/${pid}/comm`).trim() === 'postgres').filter((pid) => {
    const line = read(`/proc/${pid}/cmdline`).replaceAll('\0', ' ');
    return line.includes(` ${stack.databaseName} `) || POSTGRES_SHARED.test(line);
  });
  return {
    ...(front === null ? {} : { front: [front] }),
    'usage-service': running.filter((s) => s.name === 'usage-service').map((s) => s.child.pid),
    'other services': running.filter((s) => s.name !== 'usage-service').map((s) => s.child.pid),
    'nats-server': pids.filter((pid) => read(`/proc/${pid}/comm`).trim() === 'nats-server'),
    postgres,
  };
}

/** Write system calls a process has made (syscw of /proc/<pid>/io): on loopback each costs its receiver's work too. */
const writeCalls = (pid) => Number(/syscw:\s+(\d+)/.exec(read(`/proc/${pid}/io`))?.[1] ?? 0);

/** CPU ticks (and write system calls, under `<group> writes`) per group and process, now. */
export function groupSnapshot(stack, front = null) {
  const ticks = {};
  for (const [group, pids] of Object.entries(processGroups(stack, front))) {
    ticks[group] = new Map();
    ticks[`${group} writes`] = new Map();
    for (const pid of pids) {
      try {
        ticks[group].set(pid, cpuTicks(pid));
        ticks[`${group} writes`].set(pid, writeCalls(pid));
      } catch {
        // gone since the listing
      }
    }
  }
  return ticks;
}

/**
 * µs of CPU per group between two snapshots (and write system calls, under `<group> writes`); a process that
 * appeared in between counts from 0.
 */
export function groupSpentUs(before, after) {
  const out = {};
  for (const [group, now] of Object.entries(after)) {
    let spent = 0;
    for (const [pid, t] of now) spent += t - (before[group]?.get(pid) ?? 0);
    out[group] = group.endsWith(' writes') ? spent : spent * TICK_US;
  }
  return out;
}
