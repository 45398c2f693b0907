// What the gateway's own work on each chunk of a streamed answer costs, with nothing else on the path: the
// UsageTracker (usage, first token, errors) and the UsageChunkStripper (the usage chunk a client did not ask for) over
// a chat completions stream as the bench's mock sends it (a role chunk, 16 content chunks, the finish chunk, the usage
// chunk, [DONE]; one SSE event per chunk), and the same stream cut into 7-byte chunks (events split anywhere). Run by
// hand after `npm run build`: `node test/bench/stream-usage.bench.mjs`; compare two builds by running it in each tree.
// Env: STREAM_ROUNDS (streams timed per layout; default 50,000).
import { UsageChunkStripper, UsageTracker } from '@switchboard/llm-protocols';

const ROUNDS = Number(process.env.STREAM_ROUNDS ?? 50_000);
const event = (data) => `data: ${JSON.stringify(data)}\n\n`;
// The mock's chunks (libs/testing's openai.wire.ts), with the usage asked for upstream as the gateway does.
const chunkOf = (choices, usage = null) => ({
  id: 'chatcmpl-mock1', object: 'chat.completion.chunk', created: 1, model: 'bench', service_tier: 'default', system_fingerprint: 'fp_mock', choices, usage,
});
const choice = (delta, finish = null) => [{ index: 0, delta, logprobs: null, finish_reason: finish }];
const events = [event(chunkOf(choice({ role: 'assistant', content: '', refusal: null })))];
for (let i = 0; i < 16; i++) events.push(event(chunkOf(choice({ content: ` word${i}` }))));
events.push(event(chunkOf(choice({}, 'stop'))));
events.push(event(chunkOf([], { prompt_tokens: 10, completion_tokens: 16, total_tokens: 26 })));
events.push('data: [DONE]\n\n');

const whole = Buffer.from(events.join(''));
const layouts = {
  'one event per chunk': events.map((e) => Buffer.from(e)),
  '7-byte chunks': Array.from({ length: Math.ceil(whole.length / 7) }, (_, i) => whole.subarray(i * 7, i * 7 + 7)),
};

function relay(chunks) {
  const tracker = new UsageTracker('openai_chat');
  const stripper = new UsageChunkStripper();
  let relayed = 0;
  for (const chunk of chunks) {
    tracker.push(chunk);
    relayed += stripper.push(chunk).length;
  }
  tracker.end();
  relayed += stripper.end().length;
  if (tracker.usage()?.outputTokens !== 16 || relayed !== whole.length - events.at(-2).length) throw new Error('the stream was not read as expected');
}

const rows = Object.entries(layouts).map(([layout, chunks]) => {
  for (let i = 0; i < ROUNDS / 5; i++) relay(chunks);
  const before = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) relay(chunks);
  const spent = process.cpuUsage(before);
  const perStreamUs = (spent.user + spent.system) / ROUNDS;
  return { layout, chunks: chunks.length, 'CPU µs per stream': perStreamUs.toFixed(1), 'CPU ns per chunk': ((perStreamUs * 1000) / chunks.length).toFixed(0) };
});
console.table(rows);
