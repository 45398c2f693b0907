import { countAt, objectAt, stringAt } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import type { SseEvent } from '../../sse.event-reader.js';
import { chatUsageOf, finishReasonOf } from '../reasons.js';
import {
  anthropicStreamError,
  clientStreamError,
  dataEvent,
  anthropicEventText,
  KEEPALIVE_COMMENT,
  nowSeconds,
  type CountingStreamTranslator,
  type StreamTranslatorSettings,
} from './stream-events.js';

/** A content block of the upstream message, as far as the chat client sees it. */
type BlockView = { readonly kind: 'text' } | { kind: 'tool'; readonly toolIndex: number; sentArguments: boolean } | { readonly kind: 'hidden' };

interface ChatStreamState {
  readonly settings: StreamTranslatorSettings;
  readonly created: number;
  id: string;
  roleSent: boolean;
  /** Open blocks by upstream index; a block leaves on its content_block_stop. */
  readonly blocks: Map<number, BlockView>;
  toolCount: number;
  /** Anthropic usage, field by field: message_start gives input and cache figures, message_delta the output. */
  usage: Record<string, unknown>;
  finishSent: boolean;
  closed: boolean;
}

type Handler = (state: ChatStreamState, data: JsonObject) => string;

/**
 * Anthropic Messages stream → chat completion chunks. Thinking, redacted thinking and server-tool blocks have no
 * place in a chat completion and are not sent; `ping`s become SSE comments.
 * Keeps only ids, block kinds by index, the tool-call count and usage: no text.
 */
export function anthropicToChatStream(settings: StreamTranslatorSettings): CountingStreamTranslator {
  const state: ChatStreamState = {
    settings,
    created: nowSeconds(settings),
    id: 'chatcmpl-stream',
    roleSent: false,
    blocks: new Map(),
    toolCount: 0,
    usage: {},
    finishSent: false,
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
     * A stream cut before message_delta gets no finish chunk: the client must not take a cut answer for a whole one
     * (the official SDK rejects it as missing finish_reason rather than waiting). One cut after message_delta lost
     * only message_stop, so it ends as usual.
     */
    end(): string {
      if (state.closed || !state.finishSent) return '';
      return finish(state);
    },
  };
}

function chunk(state: ChatStreamState, delta: JsonObject, finishReason: string | null = null): string {
  const choice = { index: 0, delta, logprobs: null, finish_reason: finishReason };
  return dataEvent({ id: state.id, object: 'chat.completion.chunk', created: state.created, model: state.settings.model, choices: [choice] });
}

/** Every chunk stream opens with the assistant role, even when the upstream skipped message_start. */
function opened(state: ChatStreamState): string {
  if (state.roleSent) return '';
  state.roleSent = true;
  return chunk(state, { role: 'assistant', content: '' });
}

function mergeUsage(state: ChatStreamState, usage: JsonObject | undefined): void {
  if (usage === undefined) return;
  for (const [key, value] of Object.entries(usage)) if (typeof value === 'number') state.usage[key] = value;
}

function finish(state: ChatStreamState): string {
  state.closed = true;
  const usage = state.settings.includeUsage
    ? dataEvent({ id: state.id, object: 'chat.completion.chunk', created: state.created, model: state.settings.model, choices: [], usage: chatUsageOf(state.usage) })
    : '';
  return `${usage}data: [DONE]\n\n`;
}

function text(state: ChatStreamState, content: string): string {
  return content.length === 0 ? '' : opened(state) + chunk(state, { content });
}

function toolArguments(state: ChatStreamState, block: BlockView | undefined, fragment: string): string {
  if (block?.kind !== 'tool' || fragment.length === 0) return '';
  block.sentArguments = true;
  return chunk(state, { tool_calls: [{ index: block.toolIndex, function: { arguments: fragment } }] });
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  ping: () => KEEPALIVE_COMMENT,
  message_start(state, data) {
    const message = objectAt(data, 'message');
    state.id = stringAt(message, 'id') ?? state.id;
    mergeUsage(state, objectAt(message, 'usage'));
    return opened(state);
  },
  content_block_start(state, data) {
    const index = countAt(data, 'index') ?? 0;
    const block = objectAt(data, 'content_block');
    const type = stringAt(block, 'type');
    if (type === 'text') {
      state.blocks.set(index, { kind: 'text' });
      return text(state, stringAt(block, 'text') ?? '');
    }
    if (type !== 'tool_use') {
      state.blocks.set(index, { kind: 'hidden' });
      return '';
    }
    const toolIndex = state.toolCount++;
    state.blocks.set(index, { kind: 'tool', toolIndex, sentArguments: false });
    const call = { index: toolIndex, id: stringAt(block, 'id') ?? `call_${toolIndex}`, type: 'function', function: { name: stringAt(block, 'name') ?? '', arguments: '' } };
    return opened(state) + chunk(state, { tool_calls: [call] });
  },
  content_block_delta(state, data) {
    const block = state.blocks.get(countAt(data, 'index') ?? 0);
    const delta = objectAt(data, 'delta');
    const type = stringAt(delta, 'type');
    if (type === 'text_delta' && block?.kind !== 'hidden') return text(state, stringAt(delta, 'text') ?? '');
    if (type === 'input_json_delta') return toolArguments(state, block, stringAt(delta, 'partial_json') ?? '');
    return '';
  },
  content_block_stop(state, data) {
    const index = countAt(data, 'index') ?? 0;
    const block = state.blocks.get(index);
    state.blocks.delete(index);
    // A tool without parameters streams no input: its arguments must still parse as JSON.
    return block?.kind === 'tool' && !block.sentArguments ? toolArguments(state, block, '{}') : '';
  },
  message_delta(state, data) {
    mergeUsage(state, objectAt(data, 'usage'));
    const reason = finishReasonOf(stringAt(objectAt(data, 'delta'), 'stop_reason'));
    if (reason === null || state.finishSent) return '';
    state.finishSent = true;
    return opened(state) + chunk(state, {}, reason);
  },
  message_stop(state) {
    const last = state.finishSent ? '' : opened(state) + chunk(state, {}, 'stop');
    state.finishSent = true;
    return last + finish(state);
  },
  error(state, data) {
    state.closed = true;
    return clientStreamError('openai_chat', anthropicStreamError(data));
  },
};
