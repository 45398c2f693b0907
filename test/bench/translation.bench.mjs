// Protocol translation benchmark on the real stack (run by hand after `npm run build`: `npm run bench:translation`).
// Through one gateway, at concurrency 1, with 16 output tokens from the mock upstream, interleaved in rounds so that
// noise on a shared machine hits all alike:
//   translated  an OpenAI chat client on an anthropic_messages provider (request, answer and stream translated);
//   native chat an OpenAI chat client on an openai provider (the same client request, relayed as is);
//   native msgs an Anthropic client on the same anthropic_messages provider (the same upstream work, relayed as is).
// Prints p50/p99 per target and what translation adds over each native call, non-streamed and streamed, with the
// load average. Options via env: BENCH_N (calls per target and mode, default 2000), BENCH_ROUNDS (default 10),
// BENCH_QUICK=1 (N 600, 6 rounds), BENCH_ONLY (`non-streamed` or `streamed`).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, latencySummary, onlyFilter, proxyTenant, sample } from './bench-kit.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 600 : 2000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 6 : 10));
const { selected } = onlyFilter();

/** One call shape against the gateway; the answer must be whole (a stream must reach its protocol's end). */
function caller(origin, path, headers, body, streamEnd) {
  const pool = new Pool(origin, { connections: 4, pipelining: 1 });
  const payload = JSON.stringify(body);
  const allHeaders = { ...headers, 'content-type': 'application/json' };
  const once = async () => {
    const t0 = performance.now();
    const res = await pool.request({ path, method: 'POST', headers: allHeaders, body: payload });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    if (streamEnd !== null && !text.includes(streamEnd)) throw new Error(`${path}: the stream did not reach ${streamEnd}`);
    return performance.now() - t0;
  };
  return { once, close: () => pool.close() };
}

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
console.log('Starting the stack (fresh database, own NATS namespace)…');
const stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
try {
  const { admin, agentKey: chatKey } = await proxyTenant(stack, mock);
  const provider = await admin.post('/v1/providers', {
    name: 'mock-anthropic',
    type: 'custom',
    endpoint: `${mock.baseUrl}/v1`,
    protocol: 'anthropic_messages',
    authMethod: 'x_api_key',
    apiKey: UPSTREAM_KEY,
  });
  if (provider.status !== 201) throw new Error(`provider: ${provider.status} ${provider.text}`);
  const model = await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'bench', upstreamModel: 'claude-mock', inputUsdPerMTok: 1, outputUsdPerMTok: 2 });
  if (model.status !== 201) throw new Error(`model: ${model.status} ${model.text}`);
  const agent = await admin.post('/v1/agents', { name: 'bench-anthropic', providerId: provider.body.id });
  const claudeKey = (await admin.post('/v1/keys', { name: 'bench-anthropic', role: 'agent', agentId: agent.body.id })).body.key;

  const rows = [];
  for (const stream of [false, true]) {
    const mode = stream ? 'streamed' : 'non-streamed';
    if (!selected(mode)) continue;
    const body = { model: 'bench', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, ...(stream ? { stream: true } : {}) };
    const targets = [
      { name: 'translated', call: caller(stack.gatewayUrl, '/v1/chat/completions', { authorization: `Bearer ${claudeKey}` }, body, stream ? 'data: [DONE]' : null) },
      { name: 'native chat', call: caller(stack.gatewayUrl, '/v1/chat/completions', { authorization: `Bearer ${chatKey}` }, body, stream ? 'data: [DONE]' : null) },
      {
        name: 'native msgs',
        call: caller(stack.gatewayUrl, '/v1/messages', { 'x-api-key': claudeKey, 'anthropic-version': '2023-06-01' }, body, stream ? 'event: message_stop' : null),
      },
    ];
    const sets = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      process.stdout.write(`  ${mode} round ${round + 1}/${ROUNDS}\r`);
      for (let k = 0; k < targets.length; k++) {
        const i = (k + round) % targets.length;
        sets[i].push(await sample(targets[i].call, 1, { n: Math.ceil(N / ROUNDS), seconds: 0, warmup: round === 0 ? 200 : 10 }));
      }
    }
    process.stdout.write('\n');
    await Promise.all(targets.map((t) => t.call.close()));
    const [translated, nativeChat, nativeMsgs] = sets.map((s) => latencySummary(...s));
    for (const [name, s] of [['translated', translated], ['native chat', nativeChat], ['native msgs', nativeMsgs]]) {
      rows.push({ mode, target: name, n: s.n, 'p50 ms': s.p50.toFixed(3), 'p99 ms': s.p99.toFixed(3) });
    }
    rows.push({ mode, target: 'added vs native chat', 'p50 ms': (translated.p50 - nativeChat.p50).toFixed(3), 'p99 ms': (translated.p99 - nativeChat.p99).toFixed(3) });
    rows.push({ mode, target: 'added vs native msgs', 'p50 ms': (translated.p50 - nativeMsgs.p50).toFixed(3), 'p99 ms': (translated.p99 - nativeMsgs.p99).toFixed(3) });
  }
  console.table(rows);
  console.log(`load average (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
} finally {
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
}
