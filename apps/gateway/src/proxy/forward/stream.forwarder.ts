import { UsageChunkStripper, UsageTracker, streamErrorEvent } from '@switchboard/llm-protocols';
import type { UpstreamResponse } from '@switchboard/upstream';
import type { CallDeadline } from './call.deadline.js';
import type { CallMeter } from '../meter/call.meter.js';
import type { ProxyExchange } from '../pipeline/proxy.exchange.js';
import { annotateProxySpan } from './genai.span.js';
import { TranslatedStream, type CallTranslation } from './translation.js';
import { relayedHeaders, upstreamFailure } from './upstream.forwarder.js';

/** What the client is written from each upstream chunk: the chunk as is, without the usage chunk, or translated. */
interface StreamRelay {
  push(chunk: Buffer): Uint8Array | string;
  end(): Uint8Array | string;
}

function relayOf(meter: CallMeter, strip: boolean, translation: CallTranslation | null): StreamRelay | null {
  // A translated stream keeps the usage chunk: the translator reads it, and writes usage as the client's dialect does.
  if (translation !== null) return new TranslatedStream(meter.identity.protocol, translation);
  return strip ? new UsageChunkStripper() : null;
}

/**
 * Streams an SSE answer to the client chunk by chunk as it arrives (no buffering, backpressure honoured),
 * teeing each chunk into a UsageTracker (in the upstream's dialect), and dropping the usage chunk the client did
 * not ask for, or translating each event into the client's dialect. Resolves when the upstream ended or broke off;
 * an upstream that breaks off mid-stream ends the client's stream too (without the ending a translation would
 * add), and one cut at the call's deadline ends it with an error event in the client's protocol.
 */
export function forwardStream(
  exchange: ProxyExchange,
  response: UpstreamResponse,
  meter: CallMeter,
  strip: boolean,
  origin: string,
  deadline: CallDeadline,
  translation: CallTranslation | null = null,
): Promise<void> {
  exchange.takeOver();
  const raw = exchange.res;
  raw.writeHead(response.status, relayedHeaders(String(response.headers['content-type']), meter.requestId, true));
  const tracker = new UsageTracker(meter.usageDialect);
  meter.tracker = tracker;
  const relay = relayOf(meter, strip, translation);
  const body = response.body;
  const resume = (): void => void body.resume();
  return new Promise<void>((resolve) => {
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      tracker.end();
      // An untranslated rest is the stripper's held partial event; a translation's ending only follows a whole stream.
      const rest = relay === null || (error !== null && translation !== null) ? undefined : relay.end();
      if (rest !== undefined && rest.length > 0 && !raw.destroyed) raw.write(rest);
      meter.usage = tracker.usage();
      meter.usageComplete = tracker.complete;
      meter.responseModel = tracker.responseModel;
      // Before the end: the proxy's span ends with the response.
      annotateProxySpan(meter.traceContext, meter.responseModel, meter.usage);
      if (error !== null) {
        const failure = deadline.failureOf(error, origin);
        meter.errorKind = failure.kind === 'aborted' ? 'client_closed' : `upstream_${failure.kind}`;
        if (deadline.timedOut && !raw.destroyed) raw.write(streamErrorEvent(meter.identity.protocol, upstreamFailure(meter.identity.protocol, failure)));
      } else if (tracker.streamError !== null) {
        meter.errorKind = tracker.streamError;
      }
      raw.end();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      if (meter.firstChunkMs === null) meter.firstChunk(exchange.elapsedMs);
      tracker.push(chunk);
      const out = relay === null ? chunk : relay.push(chunk);
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
