import type { MockEndpoint } from './mock-llm.types.js';
import type { Json } from './mock-llm.wire.js';

/** A function call the mock answers with: `arguments` is the JSON text the wire carries. */
export interface MockToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** A tool as both families declare it: its name and the JSON schema of its input. */
interface DeclaredTool {
  readonly name: string;
  readonly schema: Json;
}

/** The phrase in the last user message that asks the mock for a call of a declared tool: `call tool <name>`. */
const CALL_PHRASE = /\bcall tool ([A-Za-z0-9_-]+)/;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Chat: `{type:"function", function:{name, parameters}}`; Responses: `{type:"function", name, parameters}`; Messages: `{name, input_schema}`. */
function declaredTools(endpoint: MockEndpoint, body: Json): DeclaredTool[] {
  const tools = Array.isArray(body['tools']) ? (body['tools'] as unknown[]) : [];
  return tools.flatMap((tool): DeclaredTool[] => {
    if (!isObject(tool)) return [];
    const fn = endpoint === 'chat_completions' ? tool['function'] : tool;
    if (!isObject(fn) || typeof fn['name'] !== 'string') return [];
    if (endpoint !== 'messages' && tool['type'] !== 'function') return [];
    const schema = endpoint === 'messages' ? fn['input_schema'] : fn['parameters'];
    return [{ name: fn['name'], schema: isObject(schema) ? schema : {} }];
  });
}

/** The tool a `tool_choice` forces: a named one, else the first declared one when any call is required, else null. */
function forcedTool(endpoint: MockEndpoint, choice: unknown, tools: readonly DeclaredTool[]): string | null {
  const first = tools[0]?.name ?? null;
  if (endpoint === 'messages') {
    if (!isObject(choice)) return null;
    if (choice['type'] === 'tool' && typeof choice['name'] === 'string') return choice['name'];
    return choice['type'] === 'any' ? first : null;
  }
  if (choice === 'required') return first;
  if (!isObject(choice) || choice['type'] !== 'function') return null;
  const named = endpoint === 'chat_completions' && isObject(choice['function']) ? choice['function']['name'] : choice['name'];
  return typeof named === 'string' ? named : null;
}

/** Chat and Messages turns are `messages`; a Responses input is a string or a list of items. */
function turns(endpoint: MockEndpoint, body: Json): unknown[] {
  const list = endpoint === 'responses' ? body['input'] : body['messages'];
  if (typeof list === 'string') return [{ role: 'user', content: list }];
  return Array.isArray(list) ? (list as unknown[]) : [];
}

/** The text of a content that is a string or a list of text parts / blocks. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (isObject(part) && typeof part['text'] === 'string' ? part['text'] : ''))
    .filter((text) => text.length > 0)
    .join(' ');
}

/**
 * The result a request's last turn hands back from a tool call, or null when its last turn is not a tool result:
 * chat's `role:"tool"` message, a Messages user turn with `tool_result` blocks, a Responses `function_call_output`.
 */
export function toolResultOf(endpoint: MockEndpoint, body: Json): string | null {
  const last = turns(endpoint, body).at(-1);
  if (!isObject(last)) return null;
  if (endpoint === 'chat_completions') return last['role'] === 'tool' ? textOf(last['content']) : null;
  if (endpoint === 'responses') return last['type'] === 'function_call_output' ? String(last['output'] ?? '') : null;
  if (last['role'] !== 'user' || !Array.isArray(last['content'])) return null;
  const results = (last['content'] as unknown[]).filter((block): block is Json => isObject(block) && block['type'] === 'tool_result');
  return results.length === 0 ? null : results.map((block) => textOf(block['content'])).join(' ');
}

/** The last user turn's text: the phrase that asks for a call is looked for there. */
function lastUserText(endpoint: MockEndpoint, body: Json): string {
  const user = turns(endpoint, body)
    .filter((turn): turn is Json => isObject(turn) && turn['role'] === 'user')
    .at(-1);
  return user === undefined ? '' : textOf(user['content']);
}

/** A value of a JSON schema's type: strings say which property they fill, so a test can tell them apart. */
function sampleOf(schema: unknown, property: string): unknown {
  const type = isObject(schema) ? schema['type'] : undefined;
  switch (type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return argumentsFor(isObject(schema) ? schema : {});
    default:
      return `mock ${property}`;
  }
}

/** An object with each required property of the schema set to a value of its type. */
export function argumentsFor(schema: Json): Record<string, unknown> {
  const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]).filter((p): p is string => typeof p === 'string') : [];
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  return Object.fromEntries(required.map((property) => [property, sampleOf(properties[property], property)]));
}

/**
 * The tool call a request is answered with, or null for a text answer: its last turn is not a tool result, it
 * declares tools, and either its tool choice requires a call or its last user message says `call tool <name>`
 * with a declared name.
 */
export function plannedToolCall(endpoint: MockEndpoint, body: Json, sequence: number): MockToolCall | null {
  if (endpoint === 'models' || toolResultOf(endpoint, body) !== null) return null;
  const tools = declaredTools(endpoint, body);
  if (tools.length === 0) return null;
  const asked = CALL_PHRASE.exec(lastUserText(endpoint, body))?.[1] ?? null;
  const name = forcedTool(endpoint, body['tool_choice'], tools) ?? asked;
  const tool = tools.find((t) => t.name === name);
  if (tool === undefined) return null;
  const id = endpoint === 'messages' ? `toolu_mock${sequence}` : `call_mock${sequence}`;
  return { id, name: tool.name, arguments: JSON.stringify(argumentsFor(tool.schema)) };
}

/** The text answer to a request that handed back a tool result: it repeats the result. */
export const toolResultReply = (result: string): string => `The tool answered: ${result}`;
