import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';
import type { ModelInfo, ModelPrice as CatalogEntryPrice, PriceCalculation } from '@pydantic/genai-prices';

let loadedCalcPrice: typeof GenaiPrices.calcPrice | undefined;

/**
 * The catalogue's bundled data (about 1.6 MB of source, held as objects once loaded) is loaded on the first lookup,
 * synchronously through the package's CommonJS build: a process that only prices calls from figures it is given
 * (the gateway's `costOf` / `maxCostOf`) never holds it.
 */
function calcPrice(...args: Parameters<typeof GenaiPrices.calcPrice>): ReturnType<typeof GenaiPrices.calcPrice> {
  loadedCalcPrice ??= (createRequire(import.meta.url)('@pydantic/genai-prices') as typeof GenaiPrices).calcPrice;
  return loadedCalcPrice(...args);
}

/** One catalogue entry's figures in USD per million tokens. */
export interface CatalogPrice {
  /** `<provider id>/<model id>` as the catalogue names them. */
  readonly model: string;
  readonly inputUsdPerMTok: number;
  readonly outputUsdPerMTok: number;
  readonly cacheReadUsdPerMTok: number | null;
}

/** Only used to locate the entry; the figures are read from the entry itself (see `currentPrices`). */
const NO_USAGE = { input_tokens: 0, output_tokens: 0 };

/**
 * The catalogue's entry for a model: by the provider's type for `openai` and `anthropic` (whatever the
 * endpoint: a proxy or mock in front of OpenAI still bills OpenAI's prices), by the endpoint for `custom`, then
 * by the model id alone across every provider. The catalogue is the package's bundled data, never updated at
 * run time, so a lookup's answer never changes and is memoised.
 */
function findEntry(providerType: string, endpoint: string, upstreamModel: string): PriceCalculation | null {
  const byProvider = providerType === 'custom' ? { providerApiUrl: endpoint } : { providerId: providerType };
  return calcPrice(NO_USAGE, upstreamModel, byProvider) ?? calcPrice(NO_USAGE, upstreamModel);
}

const MAX_MEMO = 10_000;
const memo = new Map<string, PriceCalculation | null>();

function memoisedEntry(providerType: string, endpoint: string, upstreamModel: string): PriceCalculation | null {
  const key = `${providerType}\u0000${endpoint}\u0000${upstreamModel}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const found = findEntry(providerType, endpoint, upstreamModel);
  if (memo.size >= MAX_MEMO) memo.clear();
  memo.set(key, found);
  return found;
}

/**
 * The figures that apply at `at`. Conditional entries are read as the catalogue orders them, later entries
 * overriding earlier ones: the last unconstrained or already-started (`start_date`) entry is the current one.
 * Daily windows (`time_of_date`: peak and off-peak hours) are left out, so a model's price does not change
 * with the hour it is looked at; the entry they refine is taken. Tiered figures (a dearer rate past a prompt
 * length) are taken at their base rate.
 */
function currentPrices(model: ModelInfo, at: Date): CatalogEntryPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  let current: CatalogEntryPrice | undefined;
  for (const entry of model.prices) {
    const constraint = entry.constraint;
    if (constraint === undefined || (constraint.type === 'start_date' && new Date(constraint.start_date) <= at)) current = entry.prices;
  }
  return current ?? model.prices[0]?.prices ?? {};
}

function figure(prices: CatalogEntryPrice, key: string): number | null {
  const value = prices[key];
  if (value === undefined) return null;
  return typeof value === 'number' ? value : value.base;
}

export function lookupCatalogPrice(providerType: string, endpoint: string, upstreamModel: string, at: Date): CatalogPrice | null {
  const entry = memoisedEntry(providerType, endpoint, upstreamModel);
  if (entry === null) return null;
  const prices = currentPrices(entry.model, at);
  const input = figure(prices, 'input_mtok');
  if (input === null) return null;
  return {
    model: `${entry.provider.id}/${entry.model.id}`,
    inputUsdPerMTok: input,
    // Listed without an output price: the model produces no output tokens (embeddings).
    outputUsdPerMTok: figure(prices, 'output_mtok') ?? 0,
    cacheReadUsdPerMTok: figure(prices, 'cache_read_mtok'),
  };
}
