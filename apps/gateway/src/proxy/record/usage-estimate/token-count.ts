import type { TokenizerFamily } from '@switchboard/llm-protocols';

type Count = (text: string) => number;

const loaded = new Map<TokenizerFamily, Promise<Count>>();

/**
 * The family's real tokenizer, loaded on first use: o200k_base (GPT-4o and later) for the OpenAI family, Anthropic's
 * published tokenizer for Claude. They are large (tens of MiB of tables each), which is why the gateway runs them in
 * a worker of their own (WorkerTokenCounter) and loads them only once a call needs an estimate.
 */
function load(family: TokenizerFamily): Promise<Count> {
  let counter = loaded.get(family);
  if (counter === undefined) {
    counter = family === 'openai' ? loadOpenAi() : loadAnthropic();
    loaded.set(family, counter);
  }
  return counter;
}

async function loadOpenAi(): Promise<Count> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  return (text) => countTokens(text);
}

async function loadAnthropic(): Promise<Count> {
  const { getTokenizer } = await import('@anthropic-ai/tokenizer');
  // One instance for the process: building it parses the whole rank table.
  const tokenizer = getTokenizer();
  return (text) => tokenizer.encode(text.normalize('NFKC'), 'all').length;
}

export async function countTokensInProcess(family: TokenizerFamily, texts: readonly string[]): Promise<number[]> {
  const count = await load(family);
  return texts.map((text) => (text.length === 0 ? 0 : count(text)));
}
