import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { anthropicError, anthropicModels, message, messageEvents } from './anthropic.wire.js';
import {
  DEFAULT_MOCK_LLM_OPTIONS,
  type MockCall,
  type MockEndpoint,
  type MockFault,
  type MockLlmOptions,
  type MockProtocol,
} from './mock-llm.types.js';
import { plannedToolCall, toolResultOf, toolResultReply } from './mock-llm.tools.js';
import { plannedUsage, splitReply } from './mock-llm.usage.js';
import { LoopbackServer, readBody } from '../loopback.server.js';
import { flatHeaders, isObject, parseBody, presentedKey, write } from './mock-llm.http.js';
import type { Json, WireContext, WireEvent } from './mock-llm.wire.js';
import { chatCompletion, chatCompletionEvents, openAiError, openAiModels, response, responseEvents } from './openai.wire.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type CutFault = Extract<MockFault, { kind: 'cut' }>;

const ROUTES: Readonly<Record<string, { readonly method: string; readonly endpoint: MockEndpoint }>> = {
  '/v1/chat/completions': { method: 'POST', endpoint: 'chat_completions' },
  '/v1/responses': { method: 'POST', endpoint: 'responses' },
  '/v1/messages': { method: 'POST', endpoint: 'messages' },
  '/v1/models': { method: 'GET', endpoint: 'models' },
};

const FAULT_MESSAGES: Readonly<Record<number, string>> = {
  401: 'Invalid API key',
  429: 'Rate limit reached for requests',
  500: 'The server had an error while processing your request',
  503: 'The service is temporarily overloaded, try again later',
  529: 'Overloaded',
};

/** Fixed so that model listings are stable across runs. */
const MODELS_CREATED_AT = '2026-01-01T00:00:00.000Z';
/** OpenAI's reasoning models refuse chat's `max_tokens` (they take `max_completion_tokens`). */
const REASONING_MODEL = /^(o\d|gpt-5)/;

/** Anthropic's model list pages: `limit` (default 20, at most the mock's page limit) after `after_id`. */
function anthropicPage(query: URLSearchParams, pageLimit: number): { readonly afterId: string | null; readonly limit: number } {
  const asked = Number(query.get('limit') ?? 20);
  return { afterId: query.get('after_id'), limit: Math.max(1, Math.min(Number.isInteger(asked) ? asked : 20, pageLimit)) };
}

/**
 * A stand-in LLM upstream speaking the OpenAI (chat completions, responses, models) and Anthropic
 * (messages, models) wire protocols closely enough for the official SDKs, with configurable latency,
 * chunking, reported usage and faults. Every call is recorded, auth headers included. Listens on
 * 127.0.0.1 only. A request declaring tools is answered with a tool call when its tool choice requires one
 * or its last user message says `call tool <name>`; one whose last turn is a tool result gets a text answer
 * repeating the result (mock-llm.tools.ts).
 */
export class MockLlmUpstream {
  // A client that aborts mid-request must not surface as an unhandled rejection in the test process.
  private readonly http = new LoopbackServer((req, res) => void this.serve(req, res).catch(() => res.destroy()), { noDelay: true });
  private readonly log: Mutable<MockCall>[] = [];
  private options: MockLlmOptions;
  private faultsLeft: number | null;
  private sequence = 0;

  constructor(options: Partial<MockLlmOptions> = {}) {
    this.options = { ...DEFAULT_MOCK_LLM_OPTIONS, ...options };
    this.faultsLeft = this.options.faultCount;
  }

  /** After `stop()`, starting again reuses the previous port. */
  async start(port = this.http.port): Promise<this> {
    await this.http.start(port);
    return this;
  }

  /** `http://127.0.0.1:PORT`: the Anthropic SDK's baseURL; OpenAI clients use `${baseUrl}/v1`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.http.port}`;
  }

  /** Merges options; setting `fault` or `faultCount` restarts the fault count. */
  configure(options: Partial<MockLlmOptions>): void {
    this.options = { ...this.options, ...options };
    if ('fault' in options || 'faultCount' in options) {
      this.faultsLeft = this.options.faultCount;
      if (this.faultsLeft !== null && this.faultsLeft <= 0) this.clearFault();
    }
  }

  /** Calls so far, oldest first; a record keeps updating while its answer is still being streamed. */
  calls(): readonly MockCall[] {
    return [...this.log];
  }

  resetCalls(): void {
    this.log.length = 0;
  }

  /** Drops every open connection (held `timeout` calls included) and closes the listener. */
  stop(): Promise<void> {
    return this.http.stop();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://mock');
    const path = url.pathname;
    const headers = flatHeaders(req);
    const raw = await readBody(req);
    const route = ROUTES[path];
    const anthropic = path === '/v1/messages' || (path === '/v1/models' && headers['anthropic-version'] !== undefined);
    const protocol: MockProtocol = anthropic ? 'anthropic' : 'openai';
    if (route === undefined || route.method !== req.method) {
      this.sendError(res, null, protocol, 404, `Invalid URL (${req.method ?? 'GET'} ${path})`);
      return;
    }
    const body = parseBody(raw);
    const json: Json = isObject(body) ? body : {};
    const call: Mutable<MockCall> = {
      protocol, endpoint: route.endpoint, method: req.method, path,
      model: typeof json['model'] === 'string' ? json['model'] : null,
      stream: json['stream'] === true, headers, body, status: null, fault: null, usage: null,
    };
    this.log.push(call);

    const { latencyMs } = this.options;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { ref: false });
    const fault = this.takeFault();
    call.fault = fault?.kind ?? null;
    if (fault?.kind === 'timeout') return;
    if (fault?.kind === 'status') {
      const extra: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      this.sendError(res, call, protocol, fault.status, `Mock fault: ${FAULT_MESSAGES[fault.status] ?? `status ${fault.status}`}`, extra);
      return;
    }
    const refusal = this.refusal(route.endpoint, protocol, headers, body, json);
    if (refusal !== null) {
      this.sendError(res, call, protocol, refusal.status, refusal.message);
      return;
    }
    const cut = fault?.kind === 'cut' ? fault : null;
    if (route.endpoint === 'models') {
      const list = anthropic
        ? anthropicModels(this.options.models, MODELS_CREATED_AT, anthropicPage(url.searchParams, this.options.modelsPageLimit))
        : openAiModels(this.options.models, Date.parse(MODELS_CREATED_AT) / 1000);
      await this.sendJson(res, call, protocol, list, cut);
      return;
    }
    await this.answer(res, call, route.endpoint, json, cut);
  }

  /** Why the real API would refuse this call (auth, then shape, then model), or null. */
  private refusal(endpoint: MockEndpoint, protocol: MockProtocol, headers: Record<string, string>, body: unknown, json: Json): { status: number; message: string } | null {
    const { requiredKey, rejectUnknownModels, models } = this.options;
    const key = presentedKey(headers);
    if (requiredKey !== null && key !== requiredKey) {
      const masked = key === null ? 'none' : `${key.slice(0, 3)}***${key.slice(-4)}`;
      return { status: 401, message: protocol === 'anthropic' ? 'invalid x-api-key' : `Incorrect API key provided: ${masked}.` };
    }
    if (endpoint === 'models') return null;
    if (!isObject(body)) return { status: 400, message: 'We could not parse the JSON body of your request.' };
    const required = endpoint === 'messages' ? ['model', 'messages', 'max_tokens'] : endpoint === 'chat_completions' ? ['model', 'messages'] : ['model'];
    const missing = required.find((field) => json[field] === undefined);
    if (missing !== undefined) return { status: 400, message: protocol === 'anthropic' ? `${missing}: Field required` : `Missing required parameter: '${missing}'.` };
    const model = json['model'];
    if (typeof model !== 'string') return { status: 400, message: 'model: must be a string' };
    if (rejectUnknownModels && !models.includes(model)) {
      return { status: 404, message: `The model \`${model}\` does not exist or you do not have access to it.` };
    }
    if (endpoint === 'chat_completions' && REASONING_MODEL.test(model) && json['max_tokens'] !== undefined) {
      return { status: 400, message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." };
    }
    return null;
  }

  private async answer(res: ServerResponse, call: Mutable<MockCall>, endpoint: MockEndpoint, json: Json, cut: CutFault | null): Promise<void> {
    const n = ++this.sequence;
    const toolCall = plannedToolCall(endpoint, json, n);
    const result = toolResultOf(endpoint, json);
    const text = toolCall?.arguments ?? (result === null ? this.options.reply : toolResultReply(result));
    const ctx: WireContext = {
      id: endpoint === 'chat_completions' ? `chatcmpl-mock${n}` : endpoint === 'responses' ? `resp_mock${n}` : `msg_mock${n}`,
      model: String(json['model']),
      created: Math.floor(Date.now() / 1000),
      pieces: splitReply(text, this.options.chunks),
      toolCall,
      usage: plannedUsage(endpoint, json, this.options),
      body: json,
      serverToolCalls: this.options.serverToolCalls,
    };
    if (!call.stream) {
      const body = endpoint === 'chat_completions' ? chatCompletion(ctx) : endpoint === 'responses' ? response(ctx) : message(ctx);
      await this.sendJson(res, call, call.protocol, body, cut, ctx);
      return;
    }
    const streamOptions = json['stream_options'];
    const includeUsage = isObject(streamOptions) && streamOptions['include_usage'] === true;
    const events = endpoint === 'chat_completions' ? chatCompletionEvents(ctx, includeUsage) : endpoint === 'responses' ? responseEvents(ctx) : messageEvents(ctx);
    await this.stream(res, call, events, cut);
  }

  private async stream(res: ServerResponse, call: Mutable<MockCall>, events: readonly WireEvent[], cut: CutFault | null): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...this.requestIdHeader(call.protocol) });
    res.flushHeaders();
    call.status = 200;
    const end = cut === null ? events.length : cutIndex(events, cut.afterChunks);
    let contentSent = 0;
    for (const event of events.slice(0, end)) {
      if (event.content && contentSent > 0 && this.options.interChunkDelayMs > 0) {
        await sleep(this.options.interChunkDelayMs, undefined, { ref: false });
      }
      if (res.destroyed) return;
      if (event.content) this.options.onContentWrite?.(call, contentSent);
      await write(res, event.frame);
      if (event.usage !== undefined) call.usage = event.usage;
      if (event.content) contentSent++;
    }
    if (cut !== null) res.socket?.destroy();
    else res.end();
  }

  private async sendJson(res: ServerResponse, call: Mutable<MockCall>, protocol: MockProtocol, body: Json, cut: CutFault | null, ctx?: WireContext): Promise<void> {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...this.requestIdHeader(protocol) });
    call.status = 200;
    if (cut === null) {
      res.end(text);
      if (ctx !== undefined) call.usage = ctx.usage;
      return;
    }
    // A cut answer stops halfway through its body: the client sees the connection drop, never the usage.
    await write(res, text.slice(0, Math.floor(text.length / 2)));
    res.socket?.destroy();
  }

  private sendError(res: ServerResponse, call: Mutable<MockCall> | null, protocol: MockProtocol, status: number, text: string, extra: Record<string, string> = {}): void {
    const requestId = `req_mock${++this.sequence}`;
    const body = protocol === 'anthropic' ? anthropicError(status, text, requestId) : openAiError(status, text);
    res.writeHead(status, { 'content-type': 'application/json', ...this.requestIdHeader(protocol, requestId), ...extra });
    res.end(JSON.stringify(body));
    if (call !== null) call.status = status;
  }

  private requestIdHeader(protocol: MockProtocol, id = `req_mock${++this.sequence}`): Record<string, string> {
    return protocol === 'anthropic' ? { 'request-id': id } : { 'x-request-id': id };
  }

  private takeFault(): MockFault | null {
    const fault = this.options.fault;
    if (fault === null) return null;
    if (this.faultsLeft !== null && --this.faultsLeft <= 0) this.clearFault();
    return fault;
  }

  private clearFault(): void {
    this.options = { ...this.options, fault: null, faultCount: null };
    this.faultsLeft = null;
  }
}

/** Where a `cut` stops: after the n-th content chunk (or the last one), before anything that follows. */
function cutIndex(events: readonly WireEvent[], afterChunks: number): number {
  const content = events.flatMap((event, i) => (event.content ? [i] : []));
  const n = Math.min(Math.max(0, afterChunks), content.length);
  return n === 0 ? (content[0] ?? events.length) : (content[n - 1] ?? 0) + 1;
}
