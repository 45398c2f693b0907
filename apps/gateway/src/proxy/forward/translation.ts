import {
  SseEventReader,
  clientError,
  createStreamTranslator,
  parseProxyRequest,
  prepareUpstreamBody,
  translateRequest,
  translateResponse,
  type ClientError,
  type ClientProtocol,
  type Direction,
  type JsonObject,
  type ProxyRequest,
  type StreamTranslator,
  type UpstreamBodyOptions,
} from '@switchboard/llm-protocols';

/** A call the gateway speaks to its upstream in another dialect than the client's: answers are rewritten on the way back. */
export interface CallTranslation {
  /** The dialect spoken upstream (the request was translated into it). */
  readonly upstream: ClientProtocol;
  /** An OpenAI chat client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** The model name the client called, echoed in the translated answer. */
  readonly model: string;
}

/** The request as the upstream gets it, in `dialect`. */
export interface UpstreamRequest {
  readonly body: JsonObject;
  /** The gateway asked for a usage chunk the client did not ask for (untranslated streams drop it). */
  readonly stripUsageChunk: boolean;
  /** The output bound the upstream body carries (the translation may have set one), null when none. */
  readonly maxOutputTokens: number | null;
  readonly translation: CallTranslation | null;
}

export type PreparedRequest = { readonly ok: true; readonly value: UpstreamRequest } | { readonly ok: false; readonly error: ClientError };

/**
 * The client's body, parsed already as `request`, made into the upstream's: translated first when the upstream
 * speaks `dialect` rather than the client's protocol (a field it cannot carry is a 400 naming the field), then
 * prepared in the upstream's dialect (its model name, the usage chunk of a chat stream, the output bound).
 * `defaultMaxTokens` is the bound a translation sets where the upstream requires one and the client set none.
 */
export function prepareUpstreamRequest(
  client: ClientProtocol,
  dialect: ClientProtocol,
  body: unknown,
  request: ProxyRequest,
  options: UpstreamBodyOptions & { readonly defaultMaxTokens: number },
): PreparedRequest {
  const { defaultMaxTokens, ...bodyOptions } = options;
  if (dialect === client) {
    const prepared = prepareUpstreamBody(client, body, bodyOptions);
    return { ok: true, value: { ...prepared, maxOutputTokens: request.maxOutputTokens, translation: null } };
  }
  // parseProxyRequest accepted the body: it is a JSON object.
  const translated = translateRequest({ from: client, to: dialect }, body as Record<string, unknown>, { defaultMaxTokens });
  if (!translated.ok) {
    const { field, message } = translated;
    return { ok: false, error: clientError(client, 'bad_request', field === '' ? message : `${field}: ${message}`, field === '' ? {} : { param: field }) };
  }
  // The translated body is read as the upstream will read it: its bound is the one the call is held to.
  const upstream = parseProxyRequest(dialect, translated.value);
  if (!upstream.ok) return { ok: false, error: clientError(client, 'bad_request', `the request cannot be translated for this provider: ${upstream.error.message}`) };
  const prepared = prepareUpstreamBody(dialect, translated.value, bodyOptions);
  const translation: CallTranslation = { upstream: dialect, includeUsage: request.includeUsage === true, model: request.model };
  return { ok: true, value: { body: prepared.body, stripUsageChunk: false, maxOutputTokens: upstream.value.maxOutputTokens, translation } };
}

/** Upstream dialect → client protocol: the direction every answer of a translated call is read in. */
export const answerDirection = (client: ClientProtocol, translation: CallTranslation): Direction => ({ from: translation.upstream, to: client });

export type TranslatedAnswer = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly error: ClientError };

/**
 * A whole upstream answer (already read, parsed or not) in the client's shape. An answer that is not JSON, or holds
 * something the client's protocol cannot say, is the provider's failure (502): the client is never sent half of it.
 */
export function translateWholeAnswer(client: ClientProtocol, translation: CallTranslation, json: unknown, providerId: string): TranslatedAnswer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, error: clientError(client, 'upstream_unavailable', `Upstream Unavailable: provider ${providerId} answered a body that is not a JSON object`) };
  }
  const translated = translateResponse(answerDirection(client, translation), json as Record<string, unknown>, { model: translation.model });
  if (!translated.ok) {
    const message = `Upstream Unavailable: provider ${providerId} answered what ${client} cannot express (${translated.field}: ${translated.message})`;
    return { ok: false, error: clientError(client, 'upstream_unavailable', message) };
  }
  return { ok: true, body: Buffer.from(JSON.stringify(translated.value), 'utf8') };
}

/**
 * An upstream SSE stream rewritten into the client's dialect as it arrives: chunks are split into events (which
 * may span chunks) and each event translated at once, so nothing but a partial event is ever held.
 */
export class TranslatedStream {
  private readonly reader = new SseEventReader();
  private readonly translator: StreamTranslator;

  constructor(client: ClientProtocol, translation: CallTranslation) {
    this.translator = createStreamTranslator(answerDirection(client, translation), { model: translation.model, includeUsage: translation.includeUsage });
  }

  /** The client's SSE text for the events this chunk completed ('' while an event is still partial). */
  push(chunk: Uint8Array): string {
    let out = '';
    this.reader.push(chunk, (event) => (out += this.translator.push(event)));
    return out;
  }

  /** The upstream ended its stream: its last event, then what the client's dialect still expects. */
  end(): string {
    let out = '';
    this.reader.end((event) => (out += this.translator.push(event)));
    return out + this.translator.end();
  }
}
