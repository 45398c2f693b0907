import type { MockToolCall } from './mock-llm.tools.js';
import type { MockUsage } from './mock-llm.types.js';

export type Json = Readonly<Record<string, unknown>>;

/** Everything one answer is built from. */
export interface WireContext {
  readonly id: string;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  /** The text in streamed pieces, or the tool call's argument JSON in fragments when the answer is a tool call. */
  readonly pieces: readonly string[];
  /** The answer is this function call instead of text. */
  readonly toolCall: MockToolCall | null;
  readonly usage: MockUsage;
  readonly body: Json;
  /** Web searches the answer reports having run. */
  readonly serverToolCalls: number;
}

/** One SSE frame of a streamed answer, marked so the server can time chunks, cut and record usage. */
export interface WireEvent {
  readonly frame: string;
  /** A content chunk: delayed by interChunkDelayMs and counted by `cut` faults. */
  readonly content: boolean;
  /** The usage this event reports; set on the call once the event is on the wire. */
  readonly usage?: MockUsage;
}

/** `event:` only when given: chat completions send bare `data:` frames, the others name each event. */
export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

export const textOf = (ctx: WireContext): string => ctx.pieces.join('');
