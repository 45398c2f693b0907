import type { JsonObject } from '../../protocol.types.js';
import { arrayField, objectField, optionalString, pathOf, refuse, stringField } from '../untranslatable.js';

/**
 * A tool call id as Anthropic accepts it (`^[a-zA-Z0-9_-]+$`). OpenAI's own ids already are; some OpenAI-compatible
 * servers mint ids with other characters. The call and its result are mapped alike, so they still pair up.
 */
export function anthropicToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** A tool Anthropic can call: `input_schema` must be an object schema; a tool without parameters takes none. */
function anthropicTool(name: string, description: string | undefined, parameters: unknown, field: string): JsonObject {
  const given = parameters === undefined || parameters === null ? { properties: {} } : objectField(parameters, field);
  // OpenAI reads a schema without a type (`{}` included) as an object schema; Anthropic wants it said.
  const schema = given['type'] === undefined ? { type: 'object', ...given } : given;
  if (schema['type'] !== 'object') refuse(pathOf(field, 'type'), 'Anthropic tool input schemas must be of type object');
  return { name, ...(description === undefined ? {} : { description }), input_schema: schema };
}

/**
 * Chat `tools[{type:'function', function:{name, description, parameters, strict}}]` → Anthropic `tools`. `strict`
 * is left out: Anthropic has no such switch. Custom (free-text) tools have no Anthropic form.
 */
export function anthropicToolsFromChat(tools: unknown): JsonObject[] {
  return arrayField(tools, 'tools').map((tool, index) => {
    const field = pathOf('tools', index);
    const entry = objectField(tool, field);
    if (entry['type'] !== 'function') refuse(pathOf(field, 'type'), 'only function tools can be translated to Anthropic');
    const fn = objectField(entry['function'], pathOf(field, 'function'));
    const name = stringField(fn['name'], pathOf(field, 'function.name'));
    return anthropicTool(name, optionalString(fn['description'], pathOf(field, 'function.description')), fn['parameters'], pathOf(field, 'function.parameters'));
  });
}

/** Responses function tools are flat: `{type:'function', name, description, parameters, strict}`. Hosted tools run at OpenAI. */
export function anthropicToolsFromResponses(tools: unknown): JsonObject[] {
  return arrayField(tools, 'tools').map((tool, index) => {
    const field = pathOf('tools', index);
    const entry = objectField(tool, field);
    if (entry['type'] !== 'function') refuse(pathOf(field, 'type'), `${String(entry['type'])} tools run at OpenAI and cannot be translated to Anthropic`);
    const name = stringField(entry['name'], pathOf(field, 'name'));
    return anthropicTool(name, optionalString(entry['description'], pathOf(field, 'description')), entry['parameters'], pathOf(field, 'parameters'));
  });
}

/**
 * OpenAI `tool_choice` (chat and Responses) → Anthropic: auto → auto, none → none, required → any, a named function
 * → tool. `parallel_tool_calls: false` becomes `disable_parallel_tool_use`, which Anthropic takes on every choice
 * but none (where no tool is called at all).
 */
export function anthropicToolChoice(choice: unknown, parallel: unknown, hasTools: boolean): JsonObject | undefined {
  if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') refuse('parallel_tool_calls', 'must be a boolean');
  const picked = pickChoice(choice, hasTools);
  if (picked === undefined) return parallel === false && hasTools ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
  return parallel === false && picked['type'] !== 'none' ? { ...picked, disable_parallel_tool_use: true } : picked;
}

function pickChoice(choice: unknown, hasTools: boolean): JsonObject | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none') return hasTools ? { type: choice } : undefined;
  if (choice === 'required') return hasTools ? { type: 'any' } : refuse('tool_choice', 'requires tools');
  const named = objectField(choice, 'tool_choice');
  if (named['type'] !== 'function') refuse('tool_choice.type', 'only auto, none, required or a named function can be translated to Anthropic');
  if (!hasTools) refuse('tool_choice', 'requires tools');
  // Chat nests the name under `function`; Responses keeps it flat.
  const fn = named['function'];
  const name = fn === undefined ? named['name'] : objectField(fn, 'tool_choice.function')['name'];
  return { type: 'tool', name: stringField(name, 'tool_choice.function.name') };
}

/** Anthropic `tools[{name, description, input_schema}]` → chat function tools. Server tools (typed, run by Anthropic) have no chat form. */
export function chatToolsFromAnthropic(tools: unknown): JsonObject[] {
  return arrayField(tools, 'tools').map((tool, index) => {
    const field = pathOf('tools', index);
    const entry = objectField(tool, field);
    if (entry['type'] !== undefined && entry['type'] !== null && entry['type'] !== 'custom') {
      refuse(pathOf(field, 'type'), `${String(entry['type'])} is a tool Anthropic runs itself and cannot be translated to OpenAI`);
    }
    const name = stringField(entry['name'], pathOf(field, 'name'));
    const description = optionalString(entry['description'], pathOf(field, 'description'));
    const parameters = objectField(entry['input_schema'], pathOf(field, 'input_schema'));
    return { type: 'function', function: { name, ...(description === undefined ? {} : { description }), parameters } };
  });
}

/** Anthropic `tool_choice` → chat `tool_choice` plus `parallel_tool_calls` (OpenAI allows the latter only beside tools). */
export function chatToolChoice(choice: unknown, hasTools: boolean): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (choice === undefined || choice === null) return {};
  const entry = objectField(choice, 'tool_choice');
  const type = entry['type'];
  const parallel = entry['disable_parallel_tool_use'] === true && type !== 'none' ? { parallel_tool_calls: false } : {};
  if (!hasTools) return type === 'auto' || type === 'none' ? {} : refuse('tool_choice', 'requires tools');
  if (type === 'auto') return { tool_choice: 'auto', ...parallel };
  if (type === 'none') return { tool_choice: 'none' };
  if (type === 'any') return { tool_choice: 'required', ...parallel };
  if (type === 'tool') return { tool_choice: { type: 'function', function: { name: stringField(entry['name'], 'tool_choice.name') } }, ...parallel };
  return refuse('tool_choice.type', 'must be auto, any, tool or none');
}
