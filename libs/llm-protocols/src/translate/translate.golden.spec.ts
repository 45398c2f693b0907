import { readdirSync, readFileSync } from 'node:fs';
import { isJsonObject } from '../json.guards.js';
import type { JsonObject } from '../protocol.types.js';
import { translateRequest, type TranslateRequestOptions } from './translate-request.js';
import { translateResponse, type TranslateResponseContext } from './translate-response.js';
import type { Direction } from './translate.types.js';

/** A fixture: a documented example of one API (`input`) and, written by hand, what the other side must receive. */
interface Golden {
  readonly about: string;
  readonly direction: Direction;
  readonly options?: TranslateRequestOptions;
  readonly ctx?: TranslateResponseContext;
  readonly input: JsonObject;
  readonly expected: JsonObject;
}

const FIXTURES = new URL('./fixtures/', import.meta.url);

function load(file: string): Golden {
  const parsed: unknown = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8'));
  if (!isJsonObject(parsed) || !isJsonObject(parsed['input']) || !isJsonObject(parsed['expected'])) throw new Error(`${file} is not a golden fixture`);
  return parsed as unknown as Golden;
}

const files = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
const requests = files.filter((file) => file.startsWith('request.')).map((file) => [file, load(file)] as const);
const responses = files.filter((file) => file.startsWith('response.')).map((file) => [file, load(file)] as const);

describe('golden translations', () => {
  it('has fixtures for every translated pair, both ways', () => {
    const pairs = (goldens: typeof requests) => new Set(goldens.map(([, golden]) => `${golden.direction.from}>${golden.direction.to}`));
    expect(pairs(requests)).toEqual(new Set(['openai_chat>anthropic_messages', 'openai_responses>anthropic_messages', 'anthropic_messages>openai_chat']));
    expect(pairs(responses)).toEqual(new Set(['anthropic_messages>openai_chat', 'anthropic_messages>openai_responses', 'openai_chat>anthropic_messages']));
  });

  it.each(requests)('request %s', (_file, golden) => {
    expect(translateRequest(golden.direction, golden.input, golden.options)).toEqual({ ok: true, value: golden.expected });
  });

  it.each(responses)('response %s', (_file, golden) => {
    const ctx = golden.ctx ?? { model: 'unnamed' };
    expect(translateResponse(golden.direction, golden.input, ctx)).toEqual({ ok: true, value: golden.expected });
  });
});
