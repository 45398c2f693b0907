import { anthropicMessagesAdapter } from './anthropic.adapter.js';
import { openAiChatAdapter, openAiResponsesAdapter } from './openai.adapter.js';
import type { ClientProtocol, JsonObject, ModelListing, ProtocolAdapter } from './protocol.types.js';

export const ADAPTERS: Readonly<Record<ClientProtocol, ProtocolAdapter>> = {
  openai_chat: openAiChatAdapter,
  openai_responses: openAiResponsesAdapter,
  anthropic_messages: anthropicMessagesAdapter,
};

const BY_ROUTE: ReadonlyMap<string, ClientProtocol> = new Map(
  Object.values(ADAPTERS).map((adapter) => [adapter.config.route, adapter.config.clientProtocol]),
);

/** The protocol of a POST proxy route (`/v1/chat/completions`…), or null for any other path. */
export function clientProtocolForRoute(path: string): ClientProtocol | null {
  return BY_ROUTE.get(path) ?? null;
}

/**
 * `GET /v1/models` is shared by both families: a client that sends `anthropic-version` is an
 * Anthropic client (as the real APIs tell them apart), any other an OpenAI one.
 */
export function modelsListProtocol(anthropicVersionHeader: string | undefined): ClientProtocol {
  return anthropicVersionHeader === undefined ? 'openai_chat' : 'anthropic_messages';
}

/** The body of `GET /v1/models` in the client protocol's own list shape. */
export function modelsListBody(clientProtocol: ClientProtocol, models: readonly ModelListing[]): JsonObject {
  return ADAPTERS[clientProtocol].modelsListBody(models);
}
