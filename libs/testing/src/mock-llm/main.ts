import { parseArgs } from 'node:util';
import { MockLlmUpstream } from './mock-llm.server.js';

const USAGE = `usage: node libs/testing/dist/mock-llm/main.js [--port 4010] [--latency <ms>] [--key <key>] [--chunks <n>]
                                                [--chunk-delay <ms>] [--output-tokens <n>] [-h | --help]

A mock LLM upstream on 127.0.0.1 speaking the OpenAI and Anthropic wire protocols (chat completions, responses,
messages, models; streamed or not). Prints the base URL and serves until SIGINT/SIGTERM.
  --port <port>           default 4010 (0: any free port)
  --latency <ms>          delay before each answer (default 0)
  --key <key>             the only API key accepted (default: any)
  --chunks <n>            events per streamed answer
  --chunk-delay <ms>      delay between streamed events
  --output-tokens <n>     output tokens each answer reports
Reads no environment. Exit codes: 0 stopped, 1 failed to listen, 2 bad arguments.`;

function integer(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`--${name} must be an integer from 0 to ${max}`);
  return n;
}

function commandLine(): { readonly port: number; readonly options: ConstructorParameters<typeof MockLlmUpstream>[0] } {
  try {
    const { values } = parseArgs({
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string', default: '4010' },
        latency: { type: 'string', default: '0' },
        key: { type: 'string' },
        chunks: { type: 'string' },
        'chunk-delay': { type: 'string' },
        'output-tokens': { type: 'string' },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const chunks = integer('chunks', values.chunks, 10_000);
    const interChunkDelayMs = integer('chunk-delay', values['chunk-delay'], 600_000);
    const outputTokens = integer('output-tokens', values['output-tokens'], 10_000_000);
    return {
      port: integer('port', values.port, 65_535) ?? 4010,
      options: {
        latencyMs: integer('latency', values.latency, 600_000) ?? 0,
        requiredKey: values.key ?? null,
        ...(chunks === undefined ? {} : { chunks }),
        ...(interChunkDelayMs === undefined ? {} : { interChunkDelayMs }),
        ...(outputTokens === undefined ? {} : { outputTokens }),
      },
    };
  } catch (error) {
    process.stderr.write(`mock-llm: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

const { port, options } = commandLine();
const mock = new MockLlmUpstream(options);
await mock.start(port);
process.stdout.write(`Mock LLM upstream listening\nMOCK_LLM_URL=${mock.baseUrl}\nOPENAI_BASE_URL=${mock.baseUrl}/v1\nANTHROPIC_BASE_URL=${mock.baseUrl}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void mock.stop().then(() => process.exit(0)));
}
