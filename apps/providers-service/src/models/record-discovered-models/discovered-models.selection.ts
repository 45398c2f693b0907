import type { OpRequest } from '../../shared/provider-ops.types.js';

type Discovered = OpRequest<'recordDiscoveredModels'>['models'][number];

// An upstream id with control characters, or blank, could never be typed as a model name: left out.
const CONTROL = /\p{Cc}/u;

/**
 * The upstream models to record as new: those whose id is not already the name of one of the provider's live
 * models, compared case-insensitively (a manual `GPT-4o` covers a listed `gpt-4o`), each once, in the order
 * the upstream listed them. Models the provider has that the upstream no longer lists are not touched here.
 */
export function modelsToDiscover(existingNames: readonly string[], listed: readonly Discovered[]): string[] {
  const taken = new Set(existingNames.map((name) => name.toLowerCase()));
  const fresh: string[] = [];
  for (const { upstreamModel } of listed) {
    if (upstreamModel.trim() === '' || CONTROL.test(upstreamModel)) continue;
    const key = upstreamModel.toLowerCase();
    if (taken.has(key)) continue;
    taken.add(key);
    fresh.push(upstreamModel);
  }
  return fresh;
}
