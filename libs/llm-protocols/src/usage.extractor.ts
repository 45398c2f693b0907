import { ADAPTERS } from './protocol.registry.js';
import type { ClientProtocol, ProtocolConfig, RawUsage, TokenUsage } from './protocol.types.js';

/**
 * One meaning for every protocol (see TokenUsage). OpenAI's input count already includes cached
 * tokens; Anthropic's excludes cache reads and writes, which are therefore added back.
 */
export function normalizeUsage(config: ProtocolConfig, raw: RawUsage): TokenUsage {
  const cacheRead = raw.cacheRead ?? 0;
  const input = raw.input ?? 0;
  return {
    inputTokens: config.inputIncludesCached ? input : input + cacheRead + (raw.cacheWrite ?? 0),
    outputTokens: raw.output ?? 0,
    cachedTokens: cacheRead,
    ...(raw.serverToolCalls === undefined ? {} : { serverToolCalls: raw.serverToolCalls }),
  };
}

/** Usage of a non-streamed answer (parsed JSON body), or null when the upstream reported none. */
export function usageFromResponse(protocol: ClientProtocol, json: unknown): TokenUsage | null {
  const adapter = ADAPTERS[protocol];
  const raw = adapter.rawUsageFromResponse(json);
  return raw === null || Object.keys(raw).length === 0 ? null : normalizeUsage(adapter.config, raw);
}
