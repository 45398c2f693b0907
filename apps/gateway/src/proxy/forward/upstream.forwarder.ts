import type { Readable } from 'node:stream';
import {
  clientError,
  mapUpstreamError,
  responseModelOf,
  usageFromFragments,
  usageFromResponse,
  type ClientError,
  type ClientProtocol,
} from '@switchboard/llm-protocols';
import type { UpstreamError, UpstreamResponse } from '@switchboard/upstream';
import type { ServerResponse } from 'node:http';
import type { ProxyExchange } from '../pipeline/proxy.exchange.js';
import { BodyWindow } from './body.window.js';
import type { CallDeadline } from './call.deadline.js';
import type { CallMeter } from '../meter/call.meter.js';
import { annotateProxySpan } from './genai.span.js';
import { translateWholeAnswer, type CallTranslation } from './translation.js';

/** Enough of an upstream error body for its message; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** An UpstreamError (no HTTP answer at all) in the client protocol's shape. */
export function upstreamFailure(protocol: ClientProtocol, error: UpstreamError): ClientError {
  switch (error.kind) {
    case 'timeout':
      return clientError(protocol, 'upstream_timeout', `Upstream Timeout: ${error.message}`);
    case 'aborted':
    case 'refused_address':
    case 'connect_failed':
    case 'redirect':
    case 'tls':
    case 'too_large':
    case 'invalid_request':
    case 'bad_response':
    case 'connection_lost':
      return clientError(protocol, 'upstream_unavailable', `Upstream Unavailable: ${error.message}`);
    default: {
      const unhandled: never = error.kind;
      throw new Error(`unhandled upstream error ${String(unhandled)}`);
    }
  }
}

export function sendClientError(exchange: ProxyExchange, error: ClientError): void {
  exchange.send(error.status, error.headers, JSON.stringify(error.body));
}

/**
 * Ends a call that failed: its error in the client's shape when nothing was sent yet, else the answer is cut where
 * it was (a client that has left is not answered). The meter keeps the first failure's kind.
 */
export function failCall(exchange: ProxyExchange, meter: CallMeter, error: ClientError): void {
  meter.errorKind ??= error.kind;
  if (exchange.sent || exchange.res.headersSent) {
    if (!exchange.res.writableEnded) exchange.res.end();
    return;
  }
  if (exchange.res.destroyed) return;
  sendClientError(exchange, error);
}

/**
 * A non-2xx answer: read a bounded part of its body for the message, mapped to the client's protocol. The mapper
 * reads either family's error shape, so a translated call's error needs no step of its own.
 */
export async function upstreamErrorAnswer(protocol: ClientProtocol, response: UpstreamResponse, providerName: string): Promise<ClientError> {
  const text = await readSome(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
  const retryAfter = response.headers['retry-after'];
  return mapUpstreamError(protocol, response.status, text, { providerName, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
}

/** Answers up to this size are read whole before anything is sent, so an upstream that fails midway still gets a clean error. */
export const WHOLE_ANSWER_BYTES = 1024 * 1024;
/** A translated answer is rewritten whole, so it is read whole up to this size; a larger one is a 502. */
export const TRANSLATED_ANSWER_BYTES = 16 * 1024 * 1024;

/** What a non-streamed answer may be relayed as: JSON only (an HTML page or a file from an internal host is not). */
export const isRelayedJson = (contentType: unknown): boolean => typeof contentType === 'string' && /^application\/json\b/i.test(contentType);
export const isRelayedStream = (contentType: unknown): boolean => typeof contentType === 'string' && /^text\/event-stream\b/i.test(contentType);

/** Headers of every relayed answer: its type as the upstream said, never to be sniffed into something else. */
export function relayedHeaders(contentType: string, requestId: string, stream: boolean): Record<string, string> {
  return {
    'content-type': contentType,
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
    ...(stream ? { 'cache-control': 'no-cache' } : {}),
  };
}

/**
 * Relays a non-streamed answer and takes its usage, in bounded memory: an answer of up to WHOLE_ANSWER_BYTES is
 * read whole, sent, and parsed for its usage; a larger one streams through with back-pressure from then on, and
 * its usage is read from its first and last 64 KiB (usageFromFragments). An upstream that breaks off a streamed-
 * through answer leaves the client's connection cut, so a truncated body is never taken for a whole one. A translated
 * answer is read whole (up to TRANSLATED_ANSWER_BYTES) and rewritten; its usage is read in the upstream's dialect.
 */
export async function forwardWhole(
  exchange: ProxyExchange,
  response: UpstreamResponse,
  meter: CallMeter,
  origin: string,
  deadline: CallDeadline,
  translation: CallTranslation | null = null,
): Promise<ClientError | null> {
  const contentType = String(response.headers['content-type']);
  const protocol = meter.identity.protocol;
  const dialect = meter.usageDialect;
  const holdBytes = translation === null ? WHOLE_ANSWER_BYTES : TRANSLATED_ANSWER_BYTES;
  const raw = exchange.res;
  const window = new BodyWindow();
  const held: Buffer[] = [];
  let heldBytes = 0;
  let passing = false;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      meter.firstByte(exchange.elapsedMs);
      window.push(chunk);
      if (passing) {
        if (!raw.write(chunk)) await drained(raw);
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes <= holdBytes) continue;
      if (translation !== null) {
        meter.usage = usageFromFragments(dialect, window.head(), window.tail());
        meter.usageComplete = meter.usage !== null;
        meter.errorKind = 'upstream_too_large';
        discardBody(response);
        return clientError(protocol, 'upstream_unavailable', `Upstream Unavailable: the answer of provider ${meter.identity.providerId} is too large to translate`);
      }
      passing = true;
      exchange.takeOver();
      raw.writeHead(response.status, relayedHeaders(contentType, meter.requestId, false));
      for (const part of held.splice(0)) if (!raw.write(part)) await drained(raw);
    }
  } catch (error) {
    const failure = deadline.failureOf(error, origin);
    meter.errorKind = failure.kind === 'aborted' ? 'client_closed' : `upstream_${failure.kind}`;
    if (!passing) return upstreamFailure(protocol, failure);
    raw.destroy();
    return null;
  }
  if (passing) {
    raw.end();
    meter.usage = usageFromFragments(dialect, window.head(), window.tail());
  } else if (translation !== null) {
    const json = parseJson(held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes));
    meter.usage = usageFromResponse(dialect, json);
    meter.responseModel = responseModelOf(json);
    const translated = translateWholeAnswer(protocol, translation, json, meter.identity.providerId);
    if (!translated.ok) {
      meter.usageComplete = meter.usage !== null;
      meter.errorKind = 'upstream_bad_response';
      return translated.error;
    }
    exchange.send(response.status, relayedHeaders('application/json', meter.requestId, false), translated.body);
  } else {
    const body = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes);
    exchange.send(response.status, relayedHeaders(contentType, meter.requestId, false), body);
    // After the answer is on its way: parsing it for its usage only matters to the usage event.
    const json = parseJson(body);
    meter.usage = usageFromResponse(dialect, json);
    meter.responseModel = responseModelOf(json);
  }
  meter.usageComplete = meter.usage !== null;
  annotateProxySpan(meter.traceContext, meter.responseModel, meter.usage);
  return null;
}

/** Drops an answer unread: destroying undici's body emits an abort error, which must not go unheard (it would end the process). */
export function discardBody(response: UpstreamResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}

/** Resolves when the client can take more, or is gone (then the upstream read fails on the abort that follows). */
export function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
  });
}

async function readSome(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
