import { parseArgs } from 'node:util';
import { MockLlmUpstream } from './mock-llm.server.js';

// Standalone: `node libs/testing/dist/mock-llm/main.js --port 4010 [--latency 0] [--key sk-...]
//   [--chunks 4] [--chunk-delay 0] [--output-tokens 16]`. Prints the base URL, serves until SIGINT/SIGTERM.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    latency: { type: 'string', default: '0' },
    key: { type: 'string' },
    chunks: { type: 'string' },
    'chunk-delay': { type: 'string' },
    'output-tokens': { type: 'string' },
  },
});

function integer(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`--${name} must be an integer from 0 to ${max}`);
  return n;
}

const chunks = integer('chunks', values.chunks, 10_000);
const interChunkDelayMs = integer('chunk-delay', values['chunk-delay'], 600_000);
const outputTokens = integer('output-tokens', values['output-tokens'], 10_000_000);
const mock = new MockLlmUpstream({
  latencyMs: integer('latency', values.latency, 600_000) ?? 0,
  requiredKey: values.key ?? null,
  ...(chunks === undefined ? {} : { chunks }),
  ...(interChunkDelayMs === undefined ? {} : { interChunkDelayMs }),
  ...(outputTokens === undefined ? {} : { outputTokens }),
});
await mock.start(integer('port', values.port, 65_535));
process.stdout.write(`Mock LLM upstream listening\nMOCK_LLM_URL=${mock.baseUrl}\nOPENAI_BASE_URL=${mock.baseUrl}/v1\nANTHROPIC_BASE_URL=${mock.baseUrl}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void mock.stop().then(() => process.exit(0)));
}
