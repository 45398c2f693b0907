// A bench-only composition of the gateway's proxy stages (built, apps/gateway/dist/proxy/*) on the floor's plain
// node:http + undici pass-through, for the rungs of compare.bench.mjs's ablation ladder that configuration cannot
// reach: the floor plus the stages up to LADDER_RUNG, cumulatively, in the pipeline's order:
//   auth   — authenticate stage: the agent key through the gateway's KeyResolver (cached by key hash, as in the gateway)
//   route  — route stage (AgentRouteCache), model resolution and the upstream body rewritten for the upstream model
//   rpm    — admit stage with the RpmLimiter on the JetStream KV bucket (budget not asked)
//   budget — admit stage with the budget reservation too (BudgetAdmission with leases, as the gateway has them)
//   usage  — meter and record: CallMeter, usage parsed from the answer, a usage.recorded event through UsagePublisher
// The key swap is the floor's (the upstream key from the environment), not the credential stage. Non-streamed calls.
// Env: LADDER_RUNG, LADDER_PORT (0: any), LADDER_UPSTREAM_KEY, NATS_URL, SWITCHBOARD_NAMESPACE, and the gateway's
// identity (SWITCHBOARD_SERVICE_KEY, SWITCHBOARD_TRUSTED_KEYS); LADDER_CPU_PROF_DIR: a V8 CPU profile of this process
// is written there at SIGTERM (`--cpu-prof` is not allowed in NODE_OPTIONS). Prints `listening <port>` once it accepts calls.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { connect } from '@nats-io/transport-node';
import { busNames } from '@switchboard/contracts';
import { prepareUpstreamBody, usageFromResponse } from '@switchboard/llm-protocols';
import { BusClient, DirectClient } from '@switchboard/messaging';
import { serviceIdentityFromEnv } from '@switchboard/service-identity';
import { createLogger } from '@switchboard/telemetry';
import { KeyResolver } from '../../apps/gateway/dist/auth/key.resolver.js';
import { PrincipalCache } from '../../apps/gateway/dist/auth/principal.cache.js';
import { AdmitStage } from '../../apps/gateway/dist/proxy/admit/admit.stage.js';
import { BudgetAdmission } from '../../apps/gateway/dist/proxy/admit/budget.admission.js';
import { busBudgetLedger } from '../../apps/gateway/dist/proxy/admit/budget.ledger.js';
import { BudgetLeases } from '../../apps/gateway/dist/proxy/admit/budget.leases.js';
import { JetStreamCounters } from '../../apps/gateway/dist/proxy/admit/rpm.counters.js';
import { RpmLimiter } from '../../apps/gateway/dist/proxy/admit/rpm.limiter.js';
import { authenticate } from '../../apps/gateway/dist/proxy/authenticate/authenticate.stage.js';
import { CallMeter } from '../../apps/gateway/dist/proxy/meter/call.meter.js';
import { newRequestId } from '../../apps/gateway/dist/proxy/meter/request-id.js';
import { UsagePublisher } from '../../apps/gateway/dist/proxy/record/usage.publisher.js';
import { UsageRecorder } from '../../apps/gateway/dist/proxy/record/usage.recorder.js';
import { jetStreamUsageSink } from '../../apps/gateway/dist/proxy/record/usage.sink.js';
import { UsageSpool } from '../../apps/gateway/dist/proxy/record/usage.spool.js';
import { AgentRouteCache } from '../../apps/gateway/dist/proxy/route/agent-route.cache.js';
import { resolveModel } from '../../apps/gateway/dist/proxy/route/model.resolution.js';
import { resolveRoute } from '../../apps/gateway/dist/proxy/route/route.stage.js';

const profileDir = process.env.LADDER_CPU_PROF_DIR;
const profiler = profileDir ? new Session() : null;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

const RUNGS = ['auth', 'route', 'rpm', 'budget', 'usage'];
const level = RUNGS.indexOf(process.env.LADDER_RUNG ?? '');
if (level < 0) throw new Error(`LADDER_RUNG must be one of ${RUNGS.join(', ')}`);
const has = (rung) => level >= RUNGS.indexOf(rung);

const PROTOCOL = 'openai_chat';
const namespace = process.env.SWITCHBOARD_NAMESPACE ?? '';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const logger = createLogger('ladder', { level: 'warn' });
const identity = serviceIdentityFromEnv('gateway');
const bus = BusClient.create({ url: natsUrl, namespace, name: `ladder-${process.env.LADDER_RUNG}` }, identity);
// As the gateway's own link (NatsLink): no stack captured per request on the hot path.
const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
const names = busNames(namespace);
const keys = new KeyResolver(bus, new PrincipalCache({ ttlMs: 60_000, maxEntries: 10_000 }), { operatorKey: null });
const routes = new AgentRouteCache(bus);
const limiter = new RpmLimiter({ counters: new JetStreamCounters({ bucket: names.durable('sb_rate'), connection: () => nc }) });
const ledger = busBudgetLedger(new DirectClient(() => nc, namespace, identity));
const budget = has('budget')
  ? new BudgetAdmission({ ledger, logger, reservationTtlMs: 1_800_000, defaultMaxOutputTokens: 4096, leases: new BudgetLeases({ ledger, logger, ttlMs: 1_800_000 }) })
  : { defaultMaxOutputTokens: 4096, admit: async () => ({ refusal: null }) };
const admission = new AdmitStage({ limiter, budget, logger });
const usage = new UsagePublisher({ names, spool: new UsageSpool(join(tmpdir(), 'sb-ladder-spool')), sink: jetStreamUsageSink(() => nc), logger });
const recorder = new UsageRecorder(usage, async () => 0, logger);
if (has('usage')) usage.start();

const upstreams = new Map();
const poolOf = (origin) => upstreams.get(origin) ?? upstreams.set(origin, new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 })).get(origin);
const auth = `Bearer ${process.env.LADDER_UPSTREAM_KEY}`;

function answer(res, status, body, contentType = 'application/json') {
  res.writeHead(status, { 'content-type': contentType });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function handle(req, res, raw) {
  const started = performance.now();
  const body = JSON.parse(raw.toString('utf8'));
  let target = { origin: process.env.LADDER_UPSTREAM, path: req.url, payload: raw };
  let meter = null;
  const authenticated = await authenticate(keys, PROTOCOL, req.headers, undefined);
  if ('error' in authenticated) return answer(res, authenticated.error.status, authenticated.error.body);
  if (has('route')) {
    const routed = await resolveRoute(routes, PROTOCOL, authenticated.caller);
    if ('error' in routed) return answer(res, routed.error.status, routed.error.body);
    const { route } = routed;
    const resolution = resolveModel(route, PROTOCOL, body.model);
    if (!resolution.ok) return answer(res, 400, { error: { message: resolution.message } });
    const budgeted = AdmitStage.budgeted(route);
    const prepared = prepareUpstreamBody(PROTOCOL, body, { upstreamModel: resolution.model.upstreamModel, ...(budgeted ? { boundOutputTokens: 4096 } : {}) });
    const url = new URL(resolution.url);
    target = { origin: url.origin, path: url.pathname, payload: JSON.stringify(prepared.body) };
    if (has('rpm')) {
      const identityOf = { tenantId: route.tenantId, agentId: route.agent.id, providerId: route.provider.id, model: resolution.model.name, protocol: PROTOCOL, stream: false };
      meter = new CallMeter(identityOf, newRequestId());
      meter.model = resolution.model;
      const maxOutputTokens = typeof body.max_tokens === 'number' ? body.max_tokens : null;
      const admitted = await admission.admit({ protocol: PROTOCOL, route, model: resolution.model, body: prepared.body, payloadBytes: Buffer.byteLength(target.payload), maxOutputTokens }, meter);
      if (!admitted.admitted) return answer(res, admitted.refusal.status, admitted.refusal.body);
    }
  }
  const upstream = await poolOf(target.origin).request({
    path: target.path,
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
    body: target.payload,
  });
  const contentType = upstream.headers['content-type'] ?? 'application/json';
  if (!has('usage') || meter === null) {
    res.writeHead(upstream.statusCode, { 'content-type': contentType });
    upstream.body.pipe(res);
    return;
  }
  // As the gateway does for a non-streamed answer: read whole, relay, take its usage for the event.
  const text = await upstream.body.text();
  meter.firstByte(performance.now() - started);
  meter.accepted = upstream.statusCode < 400;
  meter.usage = usageFromResponse(PROTOCOL, JSON.parse(text));
  meter.usageComplete = meter.usage !== null;
  const shim = { res, get elapsedMs() { return performance.now() - started; } };
  res.once('close', () => recorder.record(meter, shim, null));
  answer(res, upstream.statusCode, text, contentType);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => handle(req, res, Buffer.concat(chunks)).catch((error) => answer(res, 500, { error: { message: error.message } })));
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.LADDER_PORT ?? 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () =>
  server.close(async () => {
    await budget.stop?.();
    await usage.stop();
    await nc.close();
    await bus.close();
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(join(profileDir, `ladder-${process.env.LADDER_RUNG}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    }
    process.exit(0);
  }),
);
