import { pickDefaultModel } from './default-model.js';

describe('pickDefaultModel', () => {
  it('takes the newest model that answers chat, skipping embeddings, speech, images and the like', () => {
    expect(
      pickDefaultModel([
        { upstreamModel: 'gpt-4o', createdAt: '2024-05-13T00:00:00.000Z' },
        { upstreamModel: 'text-embedding-3-large', createdAt: '2025-01-01T00:00:00.000Z' },
        { upstreamModel: 'gpt-4.1', createdAt: '2025-04-14T00:00:00.000Z' },
        { upstreamModel: 'gpt-4o-mini-tts', createdAt: '2025-06-01T00:00:00.000Z' },
        { upstreamModel: 'dall-e-3', createdAt: '2025-07-01T00:00:00.000Z' },
      ]),
    ).toBe('gpt-4.1');
  });

  it('counts a model without a date as oldest and breaks ties by id', () => {
    expect(pickDefaultModel([{ upstreamModel: 'b', createdAt: null }, { upstreamModel: 'a', createdAt: null }])).toBe('a');
    expect(pickDefaultModel([{ upstreamModel: 'a', createdAt: null }, { upstreamModel: 'z', createdAt: '2020-01-01T00:00:00Z' }])).toBe('z');
  });

  it('picks nothing when no listed model answers chat', () => {
    expect(pickDefaultModel([{ upstreamModel: 'whisper-1', createdAt: null }])).toBeNull();
    expect(pickDefaultModel([])).toBeNull();
  });
});
