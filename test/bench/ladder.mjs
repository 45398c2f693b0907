// The ablation ladder of compare.bench.mjs: from the floor to everything Switchboard does, one feature per rung, on
// the same stack and mock, non-streamed, measured interleaved (interleaved.mjs). Rungs 2–6 are bench-only
// compositions of the gateway's pipeline stages on the floor (ladder.server.mjs): no configuration removes auth, the
// route or the usage event from the real gateway. Rungs 7–10 are the real gateway, built by configuration: a tenant
// whose provider has no RPM limit or budget and whose model is unpriced, then RPM, then budget on a priced model, then
// traces exported (a second gateway process with OTEL_EXPORTER_OTLP_ENDPOINT set to a local sink).
// BENCH_RUNGS (e.g. `5,6`): only those rungs, numbered as in the full ladder; the floor (1) is always measured, as
// the reference of `% of floor`, and ΔCPU is then over the rung measured before it.
import { UPSTREAM_KEY } from './bench-kit.mjs';
import { startBenchServer, stackProcesses } from './contenders.mjs';
import { ms, ratio, runCell, warmUp } from './interleaved.mjs';

const COMPOSED = [
  ['auth', '+ agent-key auth (composition)'],
  ['route', '+ route resolution (composition)'],
  ['rpm', '+ RPM limit (composition)'],
  ['budget', '+ budget admission (composition)'],
  ['usage', '+ usage event (composition)'],
];

/**
 * `gateways`: { plain, rpm, all } agent keys of the three configured tenants and the two gateway processes
 * ({ untraced: { url, pid }, traced: { url, pid } }); `floor`: the floor server.
 */
/** The rung numbers BENCH_RUNGS asks for (all when unset); the floor is always among them. */
function selectedRungs() {
  const given = process.env.BENCH_RUNGS;
  if (!given) return null;
  const rungs = new Set(given.split(',').map(Number));
  if ([...rungs].some((r) => !Number.isInteger(r) || r < 1 || r > COMPOSED.length + 5)) throw new Error(`BENCH_RUNGS: rung numbers 1–${COMPOSED.length + 5}, got ${given}`);
  return rungs.add(1);
}

export async function runLadder({ stack, mock, floor, gateways, keys, serviceIdentityEnv, options }) {
  const rungs = selectedRungs();
  // Rung n is ladder[n] below (ladder[0] is direct to the mock); composed rungs are 2…COMPOSED.length + 1.
  const wanted = (rung) => rungs === null || rungs.has(rung);
  const services = () => stack.services.filter((s) => s.name !== 'gateway' && s.child.exitCode === null).map((s) => s.child.pid);
  const composed = [];
  try {
    for (const [i, [rung]] of COMPOSED.entries()) {
      if (!wanted(i + 2)) {
        composed.push(null);
        continue;
      }
      composed.push(
        await startBenchServer(
          'ladder.server.mjs',
          {
            LADDER_RUNG: rung,
            LADDER_UPSTREAM: mock.baseUrl,
            LADDER_UPSTREAM_KEY: UPSTREAM_KEY,
            SWITCHBOARD_NAMESPACE: stack.namespace,
            ...serviceIdentityEnv,
          },
          `ladder ${rung}`,
        ),
      );
    }
    const gatewayTarget = (name, key, gateway) => ({
      name,
      origin: gateway.url,
      headers: { authorization: `Bearer ${key}` },
      pid: gateway.pid,
      processes: () => stackProcesses(stack, gateway.pid),
      backlog: () => [gateway.pid, ...services()],
    });
    const ladder = [
      { name: 'direct', label: 'direct to the mock', origin: mock.baseUrl, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, pid: null, processes: () => [] },
      { name: 'floor', label: 'floor: node:http + undici Pool, JSON parsed', origin: floor.url, headers: { authorization: 'Bearer client' }, pid: floor.pid, processes: () => [floor.pid] },
      ...COMPOSED.map(([rung, label], i) =>
        composed[i] === null
          ? null
          : {
              name: rung,
              label,
              origin: composed[i].url,
              headers: { authorization: `Bearer ${keys.all}` },
              pid: composed[i].pid,
              processes: () => stackProcesses(stack, composed[i].pid),
              backlog: () => [composed[i].pid, ...services()],
            },
      ),
      { ...gatewayTarget('gw-plain', keys.plain, gateways.untraced), label: 'gateway: auth, route, usage event (no RPM/budget, unpriced)' },
      { ...gatewayTarget('gw-rpm', keys.rpm, gateways.untraced), label: 'gateway: + RPM limit' },
      { ...gatewayTarget('gw-budget', keys.all, gateways.untraced), label: 'gateway: + budget on a priced model (traces off)' },
      { ...gatewayTarget('gw-all', keys.all, gateways.traced), label: 'gateway: + traces to a local OTLP sink = everything' },
    ].map((target, rung) => (target === null || (rung > 0 && !wanted(rung)) ? null : { ...target, rung }));
    const targets = ladder.filter((target) => target !== null);
    await warmUp(targets, options.warmSeconds ?? 0, [false]);
    const base = { ...options, label: 'ladder ' };
    const c1 = await runCell(targets, { stream: false, concurrency: 1, mode: 'non-streamed' }, base);
    const c32 = await runCell(targets, { stream: false, concurrency: 32, mode: 'non-streamed' }, base);
    const [direct, floorAt1] = c1;
    const floor32 = c32[1];
    const rows = targets.slice(1).map((t, k) => {
      const i = k + 1;
      const first = i === 1;
      return {
        rung: `${t.rung}. ${t.label}`,
        '+p50 ms': ms(c1[i].p50 - direct.p50),
        '+p99 ms': ms(c1[i].p99 - direct.p99),
        'Δp50 ms': first ? '' : ms(c1[i].p50 - c1[i - 1].p50),
        'over floor p50': ms(c1[i].p50 - floorAt1.p50),
        'c=32 req/s': Math.round(c32[i].rps),
        '% of floor': `${Math.round((100 * c32[i].rps) / floor32.rps)} %`,
        'CPU µs/call': Math.round(c32[i].cpuUs),
        'front CPU µs': Math.round(c32[i].frontCpuUs),
        'ΔCPU µs': first ? '' : Math.round(c32[i].cpuUs - c32[i - 1].cpuUs),
        'CPU/floor': ratio(c32[i].cpuUs, floor32.cpuUs),
      };
    });
    return { rows, directRps: Math.round(c32[0].rps) };
  } finally {
    await Promise.all(composed.map((c) => c?.stop()));
  }
}
