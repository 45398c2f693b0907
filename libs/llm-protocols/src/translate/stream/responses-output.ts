import { MAX_SSE_EVENT_CHARS } from '../../sse.event-reader.js';

/**
 * Most answer text (text plus tool arguments) kept for the Responses events that repeat it: `output_text.done`,
 * `content_part.done`, `output_item.done`, `function_call_arguments.done` and the output of the final `response`.
 * Half of MAX_SSE_EVENT_CHARS keeps the final event, which carries it all once more with its JSON, readable by an
 * SseEventReader-like client. Past the budget the deltas still flow whole; the repeated copies hold the kept prefix.
 * No model writes that much in one answer today (~250k tokens).
 */
export const KEPT_ANSWER_CHARS = MAX_SSE_EVENT_CHARS / 2;

export class KeptAnswer {
  private remaining: number;
  private cut = false;

  constructor(budget: number = KEPT_ANSWER_CHARS) {
    this.remaining = budget;
  }

  /** The part of a fragment still within budget. */
  take(fragment: string): string {
    if (fragment.length <= this.remaining) {
      this.remaining -= fragment.length;
      return fragment;
    }
    const part = fragment.slice(0, this.remaining);
    this.remaining = 0;
    this.cut = true;
    return part;
  }

  get truncated(): boolean {
    return this.cut;
  }
}

export interface MessageItem {
  readonly kind: 'message';
  readonly outputIndex: number;
  readonly id: string;
  text: string;
}

export interface FunctionCallItem {
  readonly kind: 'function_call';
  readonly outputIndex: number;
  readonly id: string;
  readonly callId: string;
  readonly name: string;
  arguments: string;
}

export type OpenItem = MessageItem | FunctionCallItem | { readonly kind: 'hidden' };

export function outputTextPart(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** The item as `output_item.added` (in progress, empty) or `output_item.done` shows it. */
export function itemJson(item: MessageItem | FunctionCallItem, done: boolean): Record<string, unknown> {
  const status = done ? 'completed' : 'in_progress';
  if (item.kind === 'message') {
    return { id: item.id, type: 'message', status, role: 'assistant', content: done ? [outputTextPart(item.text)] : [] };
  }
  return { id: item.id, type: 'function_call', status, arguments: done ? item.arguments : '', call_id: item.callId, name: item.name };
}
