import { lookupCatalogPrice, type CatalogPrice } from './price.catalog.js';

/** USD per million tokens a model costs, and where the figures came from. */
export interface ModelPrice {
  readonly inputUsdPerMTok: number;
  readonly outputUsdPerMTok: number;
  /** Input tokens read from the provider's prompt cache. */
  readonly cachedInputUsdPerMTok: number;
  /** `override` as soon as the tenant set any figure; `catalog` when every figure is the catalogue's. */
  readonly source: 'override' | 'catalog';
  /** The catalogue entry (`openai/gpt-4o`) that supplied a figure; null when every figure is the tenant's. */
  readonly catalogModel: string | null;
}

/** The figures a tenant set on a model; null or absent means "not set". */
export interface PriceOverride {
  readonly inputUsdPerMTok?: number | null;
  readonly outputUsdPerMTok?: number | null;
  readonly cachedInputUsdPerMTok?: number | null;
}

export interface PriceQuery {
  readonly providerType: 'openai' | 'anthropic' | 'custom';
  /** The provider's base URL: how a `custom` provider is recognised in the catalogue (Groq, DeepSeek…). */
  readonly endpoint: string;
  readonly upstreamModel: string;
  readonly override: PriceOverride;
  /** Which dated catalogue entry applies; now when absent. */
  readonly at?: Date;
}

export interface TokenCounts {
  /** Every prompt token, cache reads included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The part of `inputTokens` read from cache. */
  readonly cachedTokens: number;
}

const given = (value: number | null | undefined): value is number => value !== null && value !== undefined;

/**
 * The price of a model: the tenant's override wins figure by figure over the catalogue. Both input and output
 * overridden is a complete price even for a model the catalogue does not know. The cached-input figure, when
 * not overridden, is the catalogue's cache-read price if the input price is the catalogue's too (a catalogue
 * cache discount applied to a negotiated input price would be a guess), else the input price. Null when a
 * figure is known neither way: an unknown price is never taken as free.
 */
export function resolveModelPrice(query: PriceQuery): ModelPrice | null {
  const { override } = query;
  // Input and output given: the cached figure then defaults to the input one, so the catalogue has nothing to add.
  const complete = given(override.inputUsdPerMTok) && given(override.outputUsdPerMTok);
  const catalog: CatalogPrice | null = complete ? null : lookupCatalogPrice(query.providerType, query.endpoint, query.upstreamModel, query.at ?? new Date());

  const input = override.inputUsdPerMTok ?? catalog?.inputUsdPerMTok;
  const output = override.outputUsdPerMTok ?? catalog?.outputUsdPerMTok;
  if (!given(input) || !given(output)) return null;
  const inputFromCatalog = !given(override.inputUsdPerMTok);
  const cached = override.cachedInputUsdPerMTok ?? (inputFromCatalog ? (catalog?.cacheReadUsdPerMTok ?? input) : input);

  const usedCatalog = inputFromCatalog || !given(override.outputUsdPerMTok);
  const overridden = given(override.inputUsdPerMTok) || given(override.outputUsdPerMTok) || given(override.cachedInputUsdPerMTok);
  return {
    inputUsdPerMTok: input,
    outputUsdPerMTok: output,
    cachedInputUsdPerMTok: cached,
    source: overridden ? 'override' : 'catalog',
    catalogModel: usedCatalog && catalog !== null ? catalog.model : null,
  };
}

/** USD of one call: uncached input, cached input and output each at their price per million tokens. */
export function costOf(price: ModelPrice, usage: TokenCounts): number {
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  return (uncached * price.inputUsdPerMTok + cached * price.cachedInputUsdPerMTok + usage.outputTokens * price.outputUsdPerMTok) / 1_000_000;
}

/**
 * The most a call can cost: every input token at the dearer of the two input prices (uncached, unless an
 * override made cache reads dearer) and every output token allowed.
 */
export function maxCostOf(price: ModelPrice, inputTokenBound: number, maxOutputTokens: number): number {
  const inputRate = Math.max(price.inputUsdPerMTok, price.cachedInputUsdPerMTok);
  return (inputTokenBound * inputRate + maxOutputTokens * price.outputUsdPerMTok) / 1_000_000;
}
