import type { JsonObject } from '../../protocol.types.js';
import { refuse } from '../untranslatable.js';

type Role = 'user' | 'assistant';

interface Turn {
  readonly role: Role;
  readonly content: JsonObject[];
}

/**
 * Builds Anthropic `messages` from OpenAI turns. Anthropic wants roles to alternate, so consecutive turns of one role
 * are merged (an OpenAI run of `tool` messages becomes one user turn of `tool_result` blocks); it rejects empty or
 * whitespace-only text blocks, so those are left out, and a turn left with no block is skipped.
 */
export class AnthropicTurns {
  private readonly turns: Turn[] = [];
  private readonly system: JsonObject[] = [];

  add(role: Role, blocks: readonly JsonObject[]): void {
    const kept = blocks.filter((block) => block['type'] !== 'text' || String(block['text']).trim() !== '');
    if (kept.length === 0) return;
    const last = this.turns.at(-1);
    if (last?.role === role) last.content.push(...kept);
    else this.turns.push({ role, content: [...kept] });
  }

  /** OpenAI system and developer messages, wherever they stand, go to Anthropic's one top-level `system`, in order. */
  addSystem(text: string): void {
    if (text.trim() !== '') this.system.push({ type: 'text', text });
  }

  /** `system` as Anthropic takes it: a string for one text, text blocks for several; undefined for none. */
  systemPrompt(): string | JsonObject[] | undefined {
    if (this.system.length === 0) return undefined;
    return this.system.length === 1 ? String(this.system[0]?.['text']) : this.system;
  }

  /**
   * The messages, checked as Anthropic checks them: at least one, and every `tool_use` answered by a `tool_result`
   * in the very next (user) turn, whose tool results come before any other block.
   */
  messages(field: string): JsonObject[] {
    if (this.turns.length === 0) refuse(field, 'needs at least one user or assistant message with content');
    const messages = this.turns.map((turn) => ({
      role: turn.role,
      content: turn.role === 'user' ? [...turn.content.filter(isToolResult), ...turn.content.filter((b) => !isToolResult(b))] : turn.content,
    }));
    messages.forEach((turn, index) => {
      const calls = idsOf(turn.content, 'tool_use', 'id');
      const next = messages[index + 1];
      const answered = new Set(next?.role === 'user' ? idsOf(next.content, 'tool_result', 'tool_use_id') : []);
      const unanswered = calls.find((id) => !answered.has(id));
      if (unanswered !== undefined && next !== undefined) refuse(field, `tool call ${unanswered} must be followed right away by its result`);
      const previous = messages[index - 1];
      const asked = new Set(previous?.role === 'assistant' ? idsOf(previous.content, 'tool_use', 'id') : []);
      const orphan = turn.role === 'user' ? idsOf(turn.content, 'tool_result', 'tool_use_id').find((id) => !asked.has(id)) : undefined;
      if (orphan !== undefined) refuse(field, `tool result ${orphan} does not follow its tool call`);
    });
    return messages;
  }
}

const isToolResult = (block: JsonObject): boolean => block['type'] === 'tool_result';

function idsOf(blocks: readonly JsonObject[], type: string, key: string): string[] {
  return blocks.filter((block) => block['type'] === type).map((block) => String(block[key]));
}
