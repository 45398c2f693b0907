// Where the gateway's memory goes (after `npm run build`: `node test/bench/gateway-memory.bench.mjs`). Starts a stack
// with one gateway (memory-report.preload.mjs preloaded), and reports its resident memory (VmRSS, VmHWM, anonymous and
// file-backed from /proc) and V8 heap (process.memoryUsage(), heap spaces): idle, after its first /docs-json (the
// OpenAPI document is built then), and during MEMORY_LOAD_SECONDS of non-streamed chat completions at concurrency
// MEMORY_CONCURRENCY against the mock upstream (with the gateway's CPU per call, utime + stime from /proc; its
// VmHWM column is the peak, reset when the load starts). With MEMORY_SNAPSHOT=1 it also writes a heap snapshot of the idle
// gateway and prints its largest items: self size by constructor, and the largest strings (module sources among them);
// writing it raises the process's RSS, so the rows after the idle one are then not comparable with a run without it.
// Env: MEMORY_GATEWAY_ARGS (node arguments of the gateway; default the launcher's), MEMORY_LOAD_SECONDS (default 10;
// 0 skips the load), MEMORY_CONCURRENCY (default 128), MEMORY_SNAPSHOT=1, MEMORY_DOCS=0 (no /docs-json before the load).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultNodeArgsOf } from '@switchboard/launcher';
import { MockLlmUpstream, Stack } from '@switchboard/testing';
import { UPSTREAM_KEY, chatCaller, cpuTicks, proxyTenant, resetPeakRss, sample, sleep } from './bench-kit.mjs';

const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'memory-report.preload.mjs');
const LOAD_SECONDS = Number(process.env.MEMORY_LOAD_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.MEMORY_CONCURRENCY ?? 128);
const SNAPSHOT = process.env.MEMORY_SNAPSHOT === '1';
/** MEMORY_DOCS=0: no /docs-json before the load (swagger and the document then stay unloaded, as in a gateway nobody asks for them). */
const DOCS = process.env.MEMORY_DOCS !== '0';
/** /proc's utime and stime count clock ticks of 10 ms. */
const TICK_US = 10_000;
const gatewayArgs = process.env.MEMORY_GATEWAY_ARGS?.split(' ').filter(Boolean) ?? defaultNodeArgsOf('gateway', process.env);

const kib = (line) => Number(/(\d+)/.exec(line)?.[1] ?? NaN);
function residentMib(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => (kib(new RegExp(`${name}:\\s+\\d+`).exec(status)?.[0]) / 1024).toFixed(1);
  return { 'VmRSS MiB': field('VmRSS'), 'VmHWM MiB': field('VmHWM'), 'RssAnon MiB': field('RssAnon'), 'RssFile MiB': field('RssFile') };
}

/** Asks the preload for a report and waits for its line (and its snapshot, when one is written). */
async function heapReport(gateway, pid, withSnapshot = false) {
  const seen = gateway.output().split('MEMREPORT ').length;
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 60_000; waited += 100) {
    const parts = gateway.output().split('MEMREPORT ');
    const snapshotDone = !withSnapshot || /MEMSNAP (\S+)\n[^]*$/.test(parts[parts.length - 1] ?? '');
    if (parts.length > seen && snapshotDone) {
      const last = parts[parts.length - 1];
      const report = JSON.parse(last.slice(0, last.indexOf('\n')));
      const snapshot = /MEMSNAP (\S+)/.exec(last)?.[1] ?? null;
      const spaces = Object.entries(report.spaces).map(([name, s]) => `${name.replace('_space', '')} ${s.used}/${s.size}`).join(', ');
      return { row: { 'heapUsed MiB': report.heapUsed, 'heapTotal MiB': report.heapTotal, 'external MiB': report.external, 'spaces used/size MiB': spaces }, snapshot };
    }
    await sleep(100);
  }
  throw new Error('the gateway did not answer SIGUSR2 with a MEMREPORT line');
}

/** Self size by constructor (strings and code apart) and the largest strings of a heap snapshot. */
function snapshotSummary(file) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const types = snapshot.meta.node_types[0];
  const groups = new Map();
  const bigStrings = [];
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]];
    const size = nodes[i + sizeAt];
    const isString = type.endsWith('string');
    const key = isString ? '(strings)' : type === 'code' ? '(compiled code)' : `${type}: ${strings[nodes[i + nameAt]].slice(0, 50)}`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += size;
    groups.set(key, group);
    if (type === 'string' && size > 100_000) bigStrings.push({ KiB: Math.round(size / 1024), starts: strings[nodes[i + nameAt]].slice(0, 70).replace(/\s+/g, ' ') });
  }
  const top = [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 15);
  return {
    constructors: top.map(([key, g]) => ({ 'self size / constructor': key, count: g.count, MiB: (g.bytes / 1048576).toFixed(2) })),
    strings: bigStrings.sort((a, b) => b.KiB - a.KiB).slice(0, 12),
  };
}

const snapshotDir = SNAPSHOT ? mkdtempSync(join(tmpdir(), 'sb-heap-')) : null;
const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
console.log(`Starting a stack with one gateway (node ${gatewayArgs.join(' ')})…`);
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', ...(snapshotDir ? { MEMREPORT_SNAPSHOT_DIR: snapshotDir } : {}) },
  nodeArgs: { gateway: [...gatewayArgs, '--import', PRELOAD] },
});
const rows = [];
let summary = null;
try {
  const gateway = stack.running('gateway')[0];
  const pid = gateway.child.pid;
  await sleep(5000);
  const idleResident = residentMib(pid);
  const idle = await heapReport(gateway, pid, SNAPSHOT);
  rows.push({ phase: 'idle', ...idleResident, ...idle.row });
  if (idle.snapshot) summary = snapshotSummary(idle.snapshot);
  if (DOCS) {
    const docs = await fetch(`${stack.gatewayUrl}/docs-json`);
    await docs.text();
    await sleep(500);
    rows.push({ phase: 'after GET /docs-json', ...residentMib(pid), ...(await heapReport(gateway, pid)).row });
  }
  if (LOAD_SECONDS > 0) {
    const { agentKey } = await proxyTenant(stack, mock, { rpm: null, budget: null });
    const caller = chatCaller(stack.gatewayUrl, '/v1/chat/completions', { authorization: `Bearer ${agentKey}` }, false);
    await sample(caller, 8, { n: 0, seconds: 3, warmup: 0 });
    resetPeakRss(pid);
    const during = [];
    const probe = setInterval(() => heapReport(gateway, pid).then((r) => during.push(r.row), () => undefined), (LOAD_SECONDS * 1000) / 3);
    const ticks = cpuTicks(pid);
    const run = await sample(caller, CONCURRENCY, { n: 0, seconds: LOAD_SECONDS, warmup: 0 });
    const cpuUs = Math.round(((cpuTicks(pid) - ticks) * TICK_US) / run.samples.length);
    clearInterval(probe);
    await caller.close();
    rows.push({ phase: `c=${CONCURRENCY}, ${Math.round(run.samples.length / run.seconds)} req/s, ${cpuUs} µs CPU/call (peak)`, ...residentMib(pid), ...(during[during.length - 1] ?? {}) });
  }
} finally {
  await stack.stop();
  await mock.stop();
  if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
}
console.log(`\nGateway memory (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
console.table(rows);
if (summary) {
  console.log('Idle heap snapshot: self size by constructor');
  console.table(summary.constructors);
  console.log('Largest strings (module sources and bundled data among them)');
  console.table(summary.strings);
}
