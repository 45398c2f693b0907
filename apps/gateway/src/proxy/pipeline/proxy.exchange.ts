import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '@switchboard/contracts';

/**
 * One proxied HTTP exchange as the stages see it, whichever server took it in: the gateway's own listener for the
 * POST routes (http/proxy.listener.ts), or Fastify for GET /v1/models and whatever the listener leaves to it. The
 * stages read the request and answer through this, never through a framework's request or reply.
 */
export interface ProxyExchange {
  /** The request's `req_` id: its access line, usage event and budget reservation name it. */
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when none was sent. */
  readonly body: unknown;
  /** What the key resolved to at the door, before the body was read; undefined when the door did not run. */
  readonly principal: Principal | undefined;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Milliseconds since the request came in. */
  readonly elapsedMs: number;
  /** A whole answer was sent, or the pipeline took the response over. */
  readonly sent: boolean;
  /** A whole answer: its status, its headers (the content type among them) and body; the length is set from the body. */
  send(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void;
  /** From here on the pipeline writes `res` itself (a relayed stream, a large answer passed through). */
  takeOver(): void;
}
