import { isJsonObject, stringAt } from './json.guards.js';
import type { ClientProtocol, JsonObject } from './protocol.types.js';
import { mediaPartsOf } from './usage.estimate.js';

/** Request fields that pull history stored at the provider into the prompt: its size is unknown here. */
const SERVER_HISTORY_FIELDS: Readonly<Record<ClientProtocol, readonly string[]>> = {
  openai_chat: [],
  openai_responses: ['previous_response_id', 'conversation', 'prompt'],
  anthropic_messages: ['container'],
};

/** Tools the provider runs and bills apart from tokens (searches, code runs, generated images). */
const PRICED_TOOL_TYPES = /^(web_search|web_search_preview|file_search|code_interpreter|image_generation|computer_use|computer_use_preview|mcp|web_fetch|code_execution)(_\d+)?$/;
/** Fields that switch such tools on without a `tools` entry. */
const PRICED_TOOL_FIELDS: Readonly<Record<ClientProtocol, readonly string[]>> = {
  openai_chat: ['web_search_options'],
  openai_responses: [],
  anthropic_messages: ['mcp_servers'],
};

/** What a budget must bound beyond the request's own bytes and output limit. */
export interface WorstCaseShape {
  /** Completions asked for at once (`n`, `best_of`): each can use the whole output bound. */
  readonly choices: number;
  /** Image, audio and file parts, each counted at MEDIA_PART_TOKENS. */
  readonly mediaParts: number;
  /** Fields present that bring in history stored at the provider. */
  readonly serverHistory: readonly string[];
  /** Server-run tools the request switches on, by type or field. */
  readonly pricedTools: readonly string[];
  /**
   * The most calls of those tools the request allows (`max_tool_calls`; the sum of each tool's `max_uses`; one
   * search for `web_search_options`); null when it sets no cap, and 0 when it switches none on.
   */
  readonly toolCallCap: number | null;
}

export function worstCaseShape(protocol: ClientProtocol, body: JsonObject): WorstCaseShape {
  const choices = Math.max(choiceCount(body['n']), choiceCount(body['best_of']));
  const serverHistory = SERVER_HISTORY_FIELDS[protocol].filter((field) => body[field] !== undefined && body[field] !== null);
  const pricedTools = PRICED_TOOL_FIELDS[protocol].filter((field) => body[field] !== undefined && body[field] !== null);
  // Each priced tool's own cap (Anthropic's `max_uses`), summed; null once one has none.
  let perToolCaps: number | null = 0;
  const tools = body['tools'];
  if (Array.isArray(tools)) {
    for (const tool of tools) {
      if (!isJsonObject(tool)) continue;
      const type = stringAt(tool, 'type');
      if (type === undefined || !PRICED_TOOL_TYPES.test(type)) continue;
      pricedTools.push(type);
      const uses = positiveCount(tool['max_uses']);
      perToolCaps = perToolCaps === null || uses === null ? null : perToolCaps + uses;
    }
  }
  return { choices, mediaParts: mediaPartsOf(protocol, body), serverHistory, pricedTools, toolCallCap: toolCallCap(protocol, body, pricedTools, perToolCaps) };
}

function toolCallCap(protocol: ClientProtocol, body: JsonObject, pricedTools: readonly string[], perToolCaps: number | null): number | null {
  if (pricedTools.length === 0) return 0;
  switch (protocol) {
    case 'openai_chat':
      // Search models run one search per completion; `tools` there cannot name server-run tools.
      return pricedTools.every((tool) => tool === 'web_search_options') ? 1 : null;
    case 'openai_responses':
      return positiveCount(body['max_tool_calls']);
    case 'anthropic_messages':
      // An MCP server's tools have no cap of their own.
      return pricedTools.includes('mcp_servers') ? null : perToolCaps;
  }
}

function positiveCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** A count the upstream accepts is a positive integer; anything else is refused there, so it counts as one here. */
function choiceCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 1 ? value : 1;
}
