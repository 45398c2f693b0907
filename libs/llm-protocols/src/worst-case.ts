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
}

export function worstCaseShape(protocol: ClientProtocol, body: JsonObject): WorstCaseShape {
  const choices = Math.max(choiceCount(body['n']), choiceCount(body['best_of']));
  const serverHistory = SERVER_HISTORY_FIELDS[protocol].filter((field) => body[field] !== undefined && body[field] !== null);
  const pricedTools = PRICED_TOOL_FIELDS[protocol].filter((field) => body[field] !== undefined && body[field] !== null);
  const tools = body['tools'];
  if (Array.isArray(tools)) {
    for (const tool of tools) {
      const type = isJsonObject(tool) ? stringAt(tool, 'type') : undefined;
      if (type !== undefined && PRICED_TOOL_TYPES.test(type)) pricedTools.push(type);
    }
  }
  return { choices, mediaParts: mediaPartsOf(protocol, body), serverHistory, pricedTools };
}

/** A count the upstream accepts is a positive integer; anything else is refused there, so it counts as one here. */
function choiceCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 1 ? value : 1;
}
