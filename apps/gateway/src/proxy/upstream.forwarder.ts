import type { Readable } from 'node:stream';
import {
  UsageChunkStripper,
  UsageTracker,
  clientError,
  mapUpstreamError,
  usageFromResponse,
  type ClientError,
  type ClientProtocol,
} from '@switchboard/llm-protocols';
import { toUpstreamError, type UpstreamError, type UpstreamResponse } from '@switchboard/upstream';
import type { FastifyReply } from 'fastify';
import type { CallMeter } from './call.meter.js';

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

export function sendClientError(reply: FastifyReply, error: ClientError): void {
  void reply.code(error.status).headers(error.headers).send(JSON.stringify(error.body));
}

/** A non-2xx answer: read a bounded part of its body for the message, mapped to the client's protocol. */
export async function upstreamErrorAnswer(protocol: ClientProtocol, response: UpstreamResponse, providerName: string): Promise<ClientError> {
  const text = await readSome(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
  const retryAfter = response.headers['retry-after'];
  return mapUpstreamError(protocol, response.status, text, { providerName, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
}

/** Reads the whole (non-streamed) answer, forwards it byte for byte, and takes its usage. */
export async function forwardWhole(reply: FastifyReply, response: UpstreamResponse, meter: CallMeter, origin: string, signal: AbortSignal): Promise<ClientError | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      meter.firstByte(reply.elapsedTime);
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    const failure = toUpstreamError(error, origin, signal);
    meter.errorKind = failure.kind === 'aborted' ? 'client_closed' : `upstream_${failure.kind}`;
    return upstreamFailure(meter.identity.protocol, failure);
  }
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  const contentType = response.headers['content-type'];
  void reply
    .code(response.status)
    .header('content-type', typeof contentType === 'string' ? contentType : 'application/json')
    .header('x-request-id', meter.requestId)
    .send(body);
  // After the answer is on its way: parsing the whole body for its usage is the costliest step here and only the
  // usage event (recorded once the response has closed) needs it.
  meter.usage = usageFromResponse(meter.identity.protocol, parseJson(body));
  return null;
}

/**
 * Streams an SSE answer to the client chunk by chunk as it arrives (no buffering, backpressure honoured),
 * teeing each chunk into a UsageTracker, and dropping the usage chunk the client did not ask for. Resolves
 * when the upstream ended or broke off; an upstream that breaks off mid-stream ends the client's stream too.
 */
export function forwardStream(reply: FastifyReply, response: UpstreamResponse, meter: CallMeter, strip: boolean, origin: string, signal: AbortSignal): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  const contentType = response.headers['content-type'];
  raw.writeHead(response.status, {
    'content-type': typeof contentType === 'string' ? contentType : 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': meter.requestId,
  });
  const tracker = new UsageTracker(meter.identity.protocol);
  const stripper = strip ? new UsageChunkStripper() : null;
  const body = response.body;
  const resume = (): void => void body.resume();
  return new Promise<void>((resolve) => {
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      tracker.end();
      const rest = stripper?.end();
      if (rest !== undefined && rest.length > 0 && !raw.destroyed) raw.write(rest);
      meter.usage = tracker.usage();
      if (error !== null) {
        const failure = toUpstreamError(error, origin, signal);
        meter.errorKind = failure.kind === 'aborted' ? 'client_closed' : `upstream_${failure.kind}`;
      } else if (tracker.streamError !== null) {
        meter.errorKind = tracker.streamError;
      }
      raw.end();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      meter.firstByte(reply.elapsedTime);
      tracker.push(chunk);
      const out = stripper === null ? chunk : stripper.push(chunk);
      if (out.length > 0 && !raw.write(out)) {
        body.pause();
        raw.once('drain', resume);
      }
    };
    body.on('data', onData);
    body.once('end', () => finish(null));
    body.once('error', finish);
    // A body destroyed without an error (aborted by us when the client left) still settles the call.
    body.once('close', () => finish(body.readableEnded ? null : new Error('upstream stream closed before its end')));
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
