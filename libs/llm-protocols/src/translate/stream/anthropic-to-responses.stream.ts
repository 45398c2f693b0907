import { clientError } from '../../client-error.mapper.js';
import { countAt, objectAt, stringAt } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import type { SseEvent } from '../../sse.event-reader.js';
import { responsesUsageOf, responseStatusOf } from '../reasons.js';
import { itemJson, KeptAnswer, outputTextPart, type FunctionCallItem, type MessageItem, type OpenItem } from './responses-output.js';
import {
  anthropicStreamError,
  anthropicEventText,
  KEEPALIVE_COMMENT,
  namedEvent,
  nowSeconds,
  type CountingStreamTranslator,
  type StreamTranslatorSettings,
} from './stream-events.js';

interface ResponsesStreamState {
  readonly settings: StreamTranslatorSettings;
  readonly created: number;
  readonly kept: KeptAnswer;
  /** The upstream message id without its `msg_` prefix: the stem of every id written. */
  stem: string;
  sequence: number;
  started: boolean;
  /** Open blocks by upstream index. */
  readonly open: Map<number, OpenItem>;
  /** Finished items, as the final `response` lists them. */
  readonly output: Record<string, unknown>[];
  nextOutputIndex: number;
  usage: Record<string, unknown>;
  stopReason: string | null;
  closed: boolean;
}

type Handler = (state: ResponsesStreamState, data: JsonObject) => string;

/**
 * Anthropic Messages stream → Responses API stream events, each with `type`, `sequence_number` and an `event:` line.
 * Each text block becomes a message item with one output_text part, each tool_use block a function_call item (its
 * call_id is the tool_use id). Thinking and server-tool blocks are not sent; `ping`s become SSE comments. Text and
 * arguments are kept, within KEPT_ANSWER_CHARS, because the `.done` events and the final response repeat them.
 * The `response` object carries what the stream knows (ids, model, status, output, usage), not the request's echo
 * (instructions, tools, sampling settings), which the translator never sees.
 */
export function anthropicToResponsesStream(settings: StreamTranslatorSettings): CountingStreamTranslator {
  const state: ResponsesStreamState = {
    settings,
    created: nowSeconds(settings),
    kept: new KeptAnswer(),
    stem: 'stream',
    sequence: 0,
    started: false,
    open: new Map(),
    output: [],
    nextOutputIndex: 0,
    usage: {},
    stopReason: null,
    closed: false,
  };
  let skipped = 0;
  return {
    get skippedEvents() {
      return skipped;
    },
    push(event: SseEvent): string {
      return anthropicEventText(HANDLERS, state, event, () => (skipped += 1));
    },
    /**
     * Cut before message_delta: no terminal event, so the client does not take a cut answer for a whole one (the
     * official SDK settles on its in-progress snapshot rather than waiting). Cut after it: completed as usual.
     */
    end(): string {
      if (state.closed || state.stopReason === null) return '';
      return terminal(state);
    },
  };
}

function emit(state: ResponsesStreamState, type: string, fields: Record<string, unknown>): string {
  return namedEvent(type, { type, sequence_number: state.sequence++, ...fields });
}

function response(state: ResponsesStreamState, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const done = status !== 'in_progress';
  return {
    id: `resp_${state.stem}`,
    object: 'response',
    created_at: state.created,
    status,
    error: null,
    incomplete_details: null,
    model: state.settings.model,
    output: done ? state.output : [],
    usage: done ? responsesUsageOf(state.usage) : null,
    ...extra,
  };
}

function started(state: ResponsesStreamState): string {
  if (state.started) return '';
  state.started = true;
  return emit(state, 'response.created', { response: response(state, 'in_progress') }) + emit(state, 'response.in_progress', { response: response(state, 'in_progress') });
}

function mergeUsage(state: ResponsesStreamState, usage: JsonObject | undefined): void {
  if (usage === undefined) return;
  for (const [key, value] of Object.entries(usage)) if (typeof value === 'number') state.usage[key] = value;
}

function textDelta(state: ResponsesStreamState, item: MessageItem, delta: string): string {
  if (delta.length === 0) return '';
  item.text += state.kept.take(delta);
  return emit(state, 'response.output_text.delta', { item_id: item.id, output_index: item.outputIndex, content_index: 0, delta, logprobs: [] });
}

function argumentsDelta(state: ResponsesStreamState, item: FunctionCallItem, delta: string): string {
  if (delta.length === 0) return '';
  item.arguments += state.kept.take(delta);
  return emit(state, 'response.function_call_arguments.delta', { item_id: item.id, output_index: item.outputIndex, delta });
}

function openItem(state: ResponsesStreamState, index: number, block: JsonObject | undefined): string {
  const type = stringAt(block, 'type');
  if (type !== 'text' && type !== 'tool_use') {
    state.open.set(index, { kind: 'hidden' });
    return '';
  }
  const outputIndex = state.nextOutputIndex++;
  const item: MessageItem | FunctionCallItem =
    type === 'text'
      ? { kind: 'message', outputIndex, id: `msg_${state.stem}_${outputIndex}`, text: '' }
      : { kind: 'function_call', outputIndex, id: `fc_${state.stem}_${outputIndex}`, callId: stringAt(block, 'id') ?? `call_${outputIndex}`, name: stringAt(block, 'name') ?? '', arguments: '' };
  state.open.set(index, item);
  let out = started(state) + emit(state, 'response.output_item.added', { output_index: outputIndex, item: itemJson(item, false) });
  if (item.kind === 'message') {
    out += emit(state, 'response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part: outputTextPart('') });
    out += textDelta(state, item, stringAt(block, 'text') ?? '');
  }
  return out;
}

function closeItem(state: ResponsesStreamState, index: number): string {
  const item = state.open.get(index);
  state.open.delete(index);
  if (item === undefined || item.kind === 'hidden') return '';
  const at = { item_id: item.id, output_index: item.outputIndex };
  let out: string;
  if (item.kind === 'message') {
    out = emit(state, 'response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] });
    out += emit(state, 'response.content_part.done', { ...at, content_index: 0, part: outputTextPart(item.text) });
  } else {
    // A tool without parameters streams no input: its arguments must still parse as JSON.
    out = item.arguments.length === 0 ? argumentsDelta(state, item, '{}') : '';
    out += emit(state, 'response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments });
  }
  const done = itemJson(item, true);
  state.output.push(done);
  return out + emit(state, 'response.output_item.done', { output_index: item.outputIndex, item: done });
}

function closeAll(state: ResponsesStreamState): string {
  let out = '';
  for (const index of [...state.open.keys()].sort((a, b) => a - b)) out += closeItem(state, index);
  return out;
}

function terminal(state: ResponsesStreamState): string {
  const out = started(state) + closeAll(state);
  state.closed = true;
  const { status, incompleteReason } = responseStatusOf(state.stopReason);
  if (status === 'incomplete') {
    return out + emit(state, 'response.incomplete', { response: response(state, status, { incomplete_details: { reason: incompleteReason } }) });
  }
  return out + emit(state, 'response.completed', { response: response(state, status) });
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  ping: () => KEEPALIVE_COMMENT,
  message_start(state, data) {
    const message = objectAt(data, 'message');
    const id = stringAt(message, 'id');
    if (id !== undefined && !state.started) state.stem = id.startsWith('msg_') ? id.slice(4) : id;
    mergeUsage(state, objectAt(message, 'usage'));
    return started(state);
  },
  content_block_start(state, data) {
    const index = countAt(data, 'index') ?? 0;
    return closeItem(state, index) + openItem(state, index, objectAt(data, 'content_block'));
  },
  content_block_delta(state, data) {
    const item = state.open.get(countAt(data, 'index') ?? 0);
    const delta = objectAt(data, 'delta');
    const type = stringAt(delta, 'type');
    if (type === 'text_delta' && item?.kind === 'message') return textDelta(state, item, stringAt(delta, 'text') ?? '');
    if (type === 'input_json_delta' && item?.kind === 'function_call') return argumentsDelta(state, item, stringAt(delta, 'partial_json') ?? '');
    return '';
  },
  content_block_stop(state, data) {
    return closeItem(state, countAt(data, 'index') ?? 0);
  },
  message_delta(state, data) {
    mergeUsage(state, objectAt(data, 'usage'));
    state.stopReason = stringAt(objectAt(data, 'delta'), 'stop_reason') ?? state.stopReason;
    return '';
  },
  message_stop(state) {
    state.stopReason ??= 'end_turn';
    return terminal(state);
  },
  error(state, data) {
    const upstream = anthropicStreamError(data);
    const inner = objectAt(clientError('openai_responses', upstream.kind, upstream.message === null ? undefined : `Upstream error: ${upstream.message}`).body, 'error');
    const message = stringAt(inner, 'message') ?? '';
    const code = upstream.kind === 'rate_limited' ? 'rate_limit_exceeded' : 'server_error';
    const out = started(state) + emit(state, 'error', { code: stringAt(inner, 'code') ?? null, message, param: null });
    state.closed = true;
    return out + emit(state, 'response.failed', { response: response(state, 'failed', { error: { code, message } }) });
  },
};
