import { countAt, isJsonObject, objectAt, stringAt } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import type { SseEvent } from '../../sse.event-reader.js';
import { anthropicUsageOf, stopReasonOf, type AnthropicUsage } from '../reasons.js';
import {
  clientStreamError,
  namedEvent,
  openAiStreamError,
  upstreamDataOf,
  type CountingStreamTranslator,
  type StreamTranslatorSettings,
} from './stream-events.js';

type OpenBlock = { readonly kind: 'text'; readonly index: number } | { readonly kind: 'tool'; readonly index: number; readonly toolIndex: number };

interface AnthropicStreamState {
  readonly settings: StreamTranslatorSettings;
  started: boolean;
  nextIndex: number;
  open: OpenBlock | null;
  /** Chat tool-call indexes already given a block: a fragment for one whose block closed cannot be sent. */
  readonly toolIndexes: Set<number>;
  stopReason: string | null;
  usage: AnthropicUsage | null;
  closed: boolean;
  skipped: number;
}

/**
 * Chat completion chunks → an Anthropic Messages stream. Only choice 0 is read (a Messages client asks for one
 * answer). `reasoning_content` that some OpenAI-compatible servers stream is not sent: an Anthropic thinking block
 * needs a signature the upstream cannot give. The upstream is asked for `stream_options.include_usage`, so its usage chunk follows the finish_reason
 * chunk: message_delta (which must carry usage) waits for it, or for `[DONE]` / the end of the upstream.
 * Keeps ids, the open block, tool-call indexes, the stop reason and usage: no text.
 */
export function chatToAnthropicStream(settings: StreamTranslatorSettings): CountingStreamTranslator {
  const state: AnthropicStreamState = {
    settings,
    started: false,
    nextIndex: 0,
    open: null,
    toolIndexes: new Set(),
    stopReason: null,
    usage: null,
    closed: false,
    skipped: 0,
  };
  return {
    get skippedEvents() {
      return state.skipped;
    },
    push(event: SseEvent): string {
      if (state.closed) return '';
      const data = upstreamDataOf(event);
      if (data.kind === 'unreadable') {
        state.skipped += 1;
        return '';
      }
      if (data.kind === 'done') return started(state, undefined) + final(state, state.stopReason ?? 'end_turn');
      if (data.value['error'] !== undefined && data.value['error'] !== null) {
        state.closed = true;
        return clientStreamError('anthropic_messages', openAiStreamError(data.value));
      }
      return onChunk(state, data.value);
    },
    /**
     * An upstream cut before its finish_reason gets no message_stop, so the client cannot take it for a whole answer
     * (the official SDK rejects finalMessage() when the body ends without one, it does not wait). One that finished
     * but lost its usage chunk or `[DONE]` ends as usual.
     */
    end(): string {
      if (state.closed || state.stopReason === null) return '';
      return final(state, state.stopReason);
    },
  };
}

function started(state: AnthropicStreamState, chunk: JsonObject | undefined): string {
  if (state.started) return '';
  state.started = true;
  const given = stringAt(chunk, 'id');
  const id = given === undefined || given.length === 0 ? 'stream' : given;
  const usage = objectAt(chunk, 'usage');
  const known = usage === undefined ? undefined : anthropicUsageOf(usage);
  const message = {
    id: id.startsWith('msg_') ? id : `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model: state.settings.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: known?.input_tokens ?? 0, output_tokens: 0, cache_read_input_tokens: known?.cache_read_input_tokens ?? 0 },
  };
  return namedEvent('message_start', { type: 'message_start', message });
}

function closeBlock(state: AnthropicStreamState): string {
  if (state.open === null) return '';
  const index = state.open.index;
  state.open = null;
  return namedEvent('content_block_stop', { type: 'content_block_stop', index });
}

function text(state: AnthropicStreamState, fragment: string): string {
  if (fragment.length === 0) return '';
  let out = '';
  if (state.open?.kind !== 'text') {
    out += closeBlock(state);
    state.open = { kind: 'text', index: state.nextIndex++ };
    out += namedEvent('content_block_start', { type: 'content_block_start', index: state.open.index, content_block: { type: 'text', text: '' } });
  }
  return out + namedEvent('content_block_delta', { type: 'content_block_delta', index: state.open.index, delta: { type: 'text_delta', text: fragment } });
}

function toolFragment(state: AnthropicStreamState, call: JsonObject): string {
  const toolIndex = countAt(call, 'index') ?? 0;
  const fn = objectAt(call, 'function');
  const fragment = stringAt(fn, 'arguments') ?? '';
  let out = '';
  if (state.open?.kind !== 'tool' || state.open.toolIndex !== toolIndex) {
    if (state.toolIndexes.has(toolIndex)) {
      // Interleaved fragments of an earlier call: its block is closed and Anthropic blocks cannot reopen.
      state.skipped += 1;
      return '';
    }
    out += closeBlock(state);
    state.toolIndexes.add(toolIndex);
    state.open = { kind: 'tool', index: state.nextIndex++, toolIndex };
    const block = { type: 'tool_use', id: stringAt(call, 'id') ?? `toolu_${toolIndex}`, name: stringAt(fn, 'name') ?? '', input: {} };
    out += namedEvent('content_block_start', { type: 'content_block_start', index: state.open.index, content_block: block });
  }
  if (fragment.length === 0) return out;
  return out + namedEvent('content_block_delta', { type: 'content_block_delta', index: state.open.index, delta: { type: 'input_json_delta', partial_json: fragment } });
}

function onChunk(state: AnthropicStreamState, chunk: JsonObject): string {
  let out = started(state, chunk);
  const usage = objectAt(chunk, 'usage');
  if (usage !== undefined) state.usage = anthropicUsageOf(usage);
  const choices = Array.isArray(chunk['choices']) ? (chunk['choices'] as unknown[]) : [];
  const choice = choices.find((c) => isJsonObject(c) && (c['index'] ?? 0) === 0);
  if (isJsonObject(choice)) {
    const delta = objectAt(choice, 'delta');
    // A refusal is the answer's text as far as a Messages client can show it.
    out += text(state, stringAt(delta, 'content') ?? '') + text(state, stringAt(delta, 'refusal') ?? '');
    const calls = delta?.['tool_calls'];
    if (Array.isArray(calls)) for (const call of calls) if (isJsonObject(call)) out += toolFragment(state, call);
    const reason = stopReasonOf(stringAt(choice, 'finish_reason'));
    if (reason !== null) {
      out += closeBlock(state);
      state.stopReason = reason;
    }
  }
  if (state.stopReason !== null && state.usage !== null) out += final(state, state.stopReason);
  return out;
}

function final(state: AnthropicStreamState, stopReason: string): string {
  state.closed = true;
  const usage = state.usage ?? { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 };
  return (
    closeBlock(state) +
    namedEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage }) +
    namedEvent('message_stop', { type: 'message_stop' })
  );
}
