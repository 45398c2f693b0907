import fc from 'fast-check';
import { costOf, maxCostOf, resolveModelPrice, type ModelPrice, type PriceQuery } from './model-price.js';

const query = (over: Partial<PriceQuery> = {}): PriceQuery => ({
  providerType: 'openai',
  endpoint: 'https://api.openai.com/v1',
  upstreamModel: 'gpt-4o',
  override: {},
  ...over,
});

describe('resolveModelPrice', () => {
  it('takes a known model’s prices from the catalogue, cache reads included', () => {
    expect(resolveModelPrice(query())).toEqual({
      inputUsdPerMTok: 2.5,
      outputUsdPerMTok: 10,
      cachedInputUsdPerMTok: 1.25,
      source: 'catalog',
      catalogModel: 'openai/gpt-4o',
    });
    expect(resolveModelPrice(query({ providerType: 'anthropic', endpoint: 'https://api.anthropic.com/v1', upstreamModel: 'claude-sonnet-4-20250514' })))
      .toMatchObject({ inputUsdPerMTok: 3, outputUsdPerMTok: 15, cachedInputUsdPerMTok: 0.3, catalogModel: 'anthropic/claude-sonnet-4-0' });
  });

  it('looks a custom provider up by its endpoint, then by the model id alone', () => {
    expect(resolveModelPrice(query({ providerType: 'custom', endpoint: 'https://api.groq.com/openai/v1', upstreamModel: 'llama-3.3-70b-versatile' })))
      .toMatchObject({ source: 'catalog', catalogModel: 'groq/llama-3.3-70b-versatile' });
    expect(resolveModelPrice(query({ providerType: 'custom', endpoint: 'http://10.0.0.5:8000/v1', upstreamModel: 'gpt-4o-mini' })))
      .toMatchObject({ inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6, catalogModel: 'openai/gpt-4o-mini' });
  });

  it('uses the current dated entry and the base rate of tiered prices', () => {
    // o3 was repriced on 2025-06-10; gpt-5.4 doubles past 272k prompt tokens.
    expect(resolveModelPrice(query({ upstreamModel: 'o3', at: new Date('2025-01-01T00:00:00Z') }))).toMatchObject({ inputUsdPerMTok: 10, outputUsdPerMTok: 40 });
    expect(resolveModelPrice(query({ upstreamModel: 'o3', at: new Date('2025-07-01T00:00:00Z') }))).toMatchObject({ inputUsdPerMTok: 2, outputUsdPerMTok: 8 });
    expect(resolveModelPrice(query({ upstreamModel: 'gpt-5.4' }))).toMatchObject({ inputUsdPerMTok: 2.5, outputUsdPerMTok: 15, cachedInputUsdPerMTok: 0.25 });
  });

  it('lets an override win figure by figure', () => {
    expect(resolveModelPrice(query({ override: { outputUsdPerMTok: 8 } }))).toEqual({
      inputUsdPerMTok: 2.5,
      outputUsdPerMTok: 8,
      cachedInputUsdPerMTok: 1.25,
      source: 'override',
      catalogModel: 'openai/gpt-4o',
    });
    expect(resolveModelPrice(query({ override: { inputUsdPerMTok: 2, outputUsdPerMTok: 8, cachedInputUsdPerMTok: 0.5 } }))).toEqual({
      inputUsdPerMTok: 2,
      outputUsdPerMTok: 8,
      cachedInputUsdPerMTok: 0.5,
      source: 'override',
      catalogModel: null,
    });
  });

  it('prices an unknown model from a full override, cached input at the input price', () => {
    const custom = query({ providerType: 'custom', endpoint: 'http://10.0.0.5:8000/v1', upstreamModel: 'our-finetune-7b' });
    expect(resolveModelPrice(custom)).toBeNull();
    expect(resolveModelPrice({ ...custom, override: { inputUsdPerMTok: 0.2 } })).toBeNull();
    expect(resolveModelPrice({ ...custom, override: { inputUsdPerMTok: 0.2, outputUsdPerMTok: 0.4 } })).toEqual({
      inputUsdPerMTok: 0.2,
      outputUsdPerMTok: 0.4,
      cachedInputUsdPerMTok: 0.2,
      source: 'override',
      catalogModel: null,
    });
  });

  it('falls back to the model id alone when the provider type does not list the model', () => {
    expect(resolveModelPrice(query({ providerType: 'anthropic', upstreamModel: 'gpt-4o' }))).toMatchObject({ catalogModel: 'openai/gpt-4o' });
    expect(resolveModelPrice(query({ upstreamModel: 'no-such-model-anywhere' }))).toBeNull();
  });
});

describe('costOf', () => {
  const price: ModelPrice = { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25, source: 'catalog', catalogModel: 'openai/gpt-4o' };

  it('prices uncached input, cached input and output apart', () => {
    expect(costOf(price, { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 0 })).toBe(2.5);
    expect(costOf(price, { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 1_000_000 })).toBe(1.25);
    expect(costOf(price, { inputTokens: 1000, outputTokens: 200, cachedTokens: 400 })).toBeCloseTo((600 * 2.5 + 400 * 1.25 + 200 * 10) / 1e6, 15);
    expect(maxCostOf(price, 1000, 200)).toBeCloseTo((1000 * 2.5 + 200 * 10) / 1e6, 15);
  });

  const prices = fc.record({
    inputUsdPerMTok: fc.double({ min: 0, max: 1000, noNaN: true }),
    outputUsdPerMTok: fc.double({ min: 0, max: 1000, noNaN: true }),
    cachedInputUsdPerMTok: fc.double({ min: 0, max: 1000, noNaN: true }),
    source: fc.constantFrom('override' as const, 'catalog' as const),
    catalogModel: fc.constant(null),
  });
  const bounded = fc
    .record({ inputBound: fc.nat(2_000_000), maxOutput: fc.nat(200_000) })
    .chain(({ inputBound, maxOutput }) =>
      fc.record({
        inputBound: fc.constant(inputBound),
        maxOutput: fc.constant(maxOutput),
        inputTokens: fc.nat(inputBound),
        outputTokens: fc.nat(maxOutput),
      }).chain((b) => fc.record({ bounds: fc.constant(b), cachedTokens: fc.nat(b.inputTokens) })),
    );

  it('never exceeds the worst case of the call and is never negative', () => {
    fc.assert(
      fc.property(prices, bounded, (p, { bounds, cachedTokens }) => {
        const cost = costOf(p, { inputTokens: bounds.inputTokens, outputTokens: bounds.outputTokens, cachedTokens });
        const max = maxCostOf(p, bounds.inputBound, bounds.maxOutput);
        return cost >= 0 && cost <= max * (1 + 1e-12);
      }),
    );
  });
});
