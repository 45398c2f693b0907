import { countAt, definedOnly, objectAt, stringAt } from './json.guards.js';
import type { JsonObject, ModelListing, ProtocolAdapter, ProtocolConfig, RawUsage, StreamFacts } from './protocol.types.js';

export const ANTHROPIC_MESSAGES_CONFIG: ProtocolConfig = {
  clientProtocol: 'anthropic_messages',
  providerProtocol: 'anthropic_messages',
  route: '/v1/messages',
  upstreamPath: '/messages',
  maxTokensFields: ['max_tokens'],
  maxTokensRequired: true,
  streamUsageOptIn: false,
  inputIncludesCached: false,
  errorDialect: 'anthropic',
};

/** `server_tool_use` {web_search_requests, web_fetch_requests, …}: every count in it is a billed tool call. */
function serverToolCalls(usage: JsonObject): number | undefined {
  const use = objectAt(usage, 'server_tool_use');
  if (use === undefined) return undefined;
  let calls = 0;
  for (const key of Object.keys(use)) calls += countAt(use, key) ?? 0;
  // Reported only when there were some: a complete answer without the field made none.
  return calls > 0 ? calls : undefined;
}

/**
 * `usage` {input_tokens (cache excluded), output_tokens, cache_read_input_tokens, cache_creation_input_tokens,
 * server_tool_use}.
 * In a stream the counters are whole-message totals, omitted or null where they do not apply, so a
 * later event overwrites a field only when it reports it.
 */
function anthropicUsage(usage: JsonObject | undefined): RawUsage | null {
  if (usage === undefined) return null;
  return definedOnly({
    input: countAt(usage, 'input_tokens'),
    output: countAt(usage, 'output_tokens'),
    cacheRead: countAt(usage, 'cache_read_input_tokens'),
    cacheWrite: countAt(usage, 'cache_creation_input_tokens'),
    serverToolCalls: serverToolCalls(usage),
  });
}

function anthropicEventFacts(data: JsonObject): StreamFacts {
  switch (stringAt(data, 'type')) {
    case 'message_start':
      return definedOnly({ usage: anthropicUsage(objectAt(objectAt(data, 'message'), 'usage')) ?? undefined });
    case 'message_delta': {
      // message_start reports the input; message_delta, at the end, the output: only then is usage complete.
      const usage = anthropicUsage(objectAt(data, 'usage')) ?? undefined;
      return definedOnly({ usage, final: usage !== undefined || undefined });
    }
    case 'content_block_delta':
      return { token: true };
    case 'error':
      return { error: stringAt(objectAt(data, 'error'), 'type') ?? 'error' };
    default:
      return {};
  }
}

/** content_block_delta: text, tool input JSON or thinking, as it is generated. */
function anthropicEventText(data: JsonObject): string {
  if (stringAt(data, 'type') !== 'content_block_delta') return '';
  const delta = objectAt(data, 'delta');
  return (stringAt(delta, 'text') ?? '') + (stringAt(delta, 'partial_json') ?? '') + (stringAt(delta, 'thinking') ?? '');
}

function anthropicModelsList(models: readonly ModelListing[]): JsonObject {
  return {
    data: models.map((m) => ({ type: 'model', id: m.id, display_name: m.displayName ?? m.id, created_at: m.createdAt })),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models[models.length - 1]?.id ?? null,
  };
}

export const anthropicMessagesAdapter: ProtocolAdapter = {
  config: ANTHROPIC_MESSAGES_CONFIG,
  rawUsageFromResponse: (json) => anthropicUsage(objectAt(json, 'usage')),
  streamEventFacts: anthropicEventFacts,
  streamEventText: anthropicEventText,
  modelsListBody: anthropicModelsList,
};
