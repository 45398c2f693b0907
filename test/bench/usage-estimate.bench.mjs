// How close the gateway's usage estimates come to the upstream's own figures (run by hand after `npm run build`:
// `node test/bench/usage-estimate.bench.mjs`). On the mock upstream, whose reply is a real paragraph and whose output
// figure is that paragraph's o200k token count: each prompt is sent once to completion (the upstream's report) and
// once more with a client that leaves after k of 20 chunks (the estimate). Prints, per k, the estimate over the
// report for input, and for output over the report prorated to the chunks the client saw. Env: BENCH_PROMPTS (default 20).
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 20);
const CHUNKS = 20;
const REPLY =
  'The gateway relays each chunk as it arrives and keeps the first megabyte of the stream, so that when a client ' +
  'leaves before the usage report it can still count what was generated. Input is counted from the request with ' +
  'the family tokenizer, plus a few tokens per message for the chat format, and images count at a fixed bound.';
const TOPICS = ['billing', 'routing', 'budgets', 'tracing', 'failover', 'keys', 'models', 'agents', 'quotas', 'streams'];

const mock = await new MockLlmUpstream().start();
mock.configure({ chunks: CHUNKS, reply: REPLY, outputTokens: countTokens(REPLY), interChunkDelayMs: 15 });
console.log('Starting the stack…');
const stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
try {
  const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'estimates' });
  const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey);
  const provider = await admin.post('/v1/providers', { name: 'mock', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-bench-0123456789' });
  await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock', inputUsdPerMTok: 1, outputUsdPerMTok: 1 });
  const agent = await admin.post('/v1/agents', { name: 'bench', providerId: provider.body.id, model: 'm' });
  const key = (await admin.post('/v1/keys', { name: 'k', role: 'agent', agentId: agent.body.id })).body.key;

  const usageOf = async (requestId) =>
    (
      await eventually(
        async () => (await readStreamMessages(stack.names, stack.names.event(tenant.body.id, 'usage.recorded'))).find((m) => m.data.requestId === requestId),
        (m) => m !== undefined,
        15_000,
      )
    ).data;

  async function call(prompt, leaveAfter) {
    const abort = new AbortController();
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'Answer plainly.' }, { role: 'user', content: prompt }] }),
      signal: abort.signal,
    });
    const requestId = response.headers.get('x-request-id');
    const reader = response.body.getReader();
    // Chunks of generated text the client saw (the first event carries only the role).
    let events = 0;
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
      events += (new TextDecoder().decode(value).match(/"content":"[^"]/g) ?? []).length;
      if (leaveAfter !== null && events >= leaveAfter) {
        abort.abort();
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    return usageOf(requestId);
  }

  const rows = [];
  for (const k of [5, 10, 15, 19]) {
    const input = [];
    const output = [];
    for (let i = 0; i < PROMPTS; i++) {
      const topic = TOPICS[i % TOPICS.length];
      const prompt = `Explain in detail how the ${topic} part of an LLM gateway works, case ${i}, and what can go wrong with ${'it '.repeat(i * 3)}in production.`;
      const reported = await call(prompt, null);
      const estimated = await call(prompt, k);
      if (estimated.usageSource !== 'estimated') throw new Error(`call left after ${k} chunks was not estimated`);
      input.push(estimated.inputTokens / reported.inputTokens);
      output.push(estimated.outputTokens / ((reported.outputTokens * k) / CHUNKS));
    }
    const stat = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `${sorted[0].toFixed(2)}–${sorted.at(-1).toFixed(2)} (median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)})`;
    };
    rows.push({ 'client left after': `${k}/${CHUNKS} chunks`, calls: PROMPTS, 'input: estimate ÷ report': stat(input), 'output: estimate ÷ prorated report': stat(output) });
  }
  console.log('\nEstimates of calls a client left, against the upstream report of the same call completed (the mock counts input as prompt bytes / 4):');
  console.table(rows);
} finally {
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
}
