import { modelsToDiscover } from './discovered-models.selection.js';

const listed = (...ids: string[]) => ids.map((upstreamModel) => ({ upstreamModel, createdAt: null }));

describe('modelsToDiscover', () => {
  it('keeps the upstream models the provider has no model named after, in listed order', () => {
    expect(modelsToDiscover(['gpt-4o'], listed('o3', 'gpt-4o', 'gpt-4.1'))).toEqual(['o3', 'gpt-4.1']);
  });

  it('compares names case-insensitively, against existing models and within the listing', () => {
    expect(modelsToDiscover(['GPT-4o'], listed('gpt-4o', 'o3', 'O3'))).toEqual(['o3']);
  });

  it('finds nothing new when everything listed is already there (discovery run twice)', () => {
    const first = modelsToDiscover([], listed('a', 'b'));
    expect(modelsToDiscover(first, listed('a', 'b'))).toEqual([]);
  });

  it('leaves out ids that could never be a model name', () => {
    expect(modelsToDiscover([], listed('  ', 'bad\nid', 'ok'))).toEqual(['ok']);
  });
});
