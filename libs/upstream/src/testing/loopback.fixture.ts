import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SocketConnector, SocketTarget } from '../pinned.connector.js';

export interface LoopbackServer {
  readonly origin: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** SNI names presented by TLS clients, in order. */
  readonly servernames: (string | false | null)[];
  close(): Promise<void>;
}

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
}

/** A server on a loopback address, the only kind of peer these specs may talk to. */
export async function startLoopbackServer(handler: RequestListener, options: { host?: '127.0.0.1' | '::1'; tls?: TlsMaterial } = {}): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = options.tls === undefined ? createHttpServer(handler) : createHttpsServer(options.tls, handler);
  const sockets = new Set<Socket>();
  const servernames: (string | false | null)[] = [];
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => servernames.push(socket.servername));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http${options.tls === undefined ? '' : 's'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    connections: () => accepted,
    servernames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface SocketSpy {
  /** Every target the client asked to open a socket to, after its own checks. */
  readonly attempts: SocketTarget[];
  readonly wrap: (open: SocketConnector) => SocketConnector;
}

/**
 * Wraps the real socket opener: records each attempt and refuses anything but loopback, so a
 * regression in the policy cannot make a spec send packets to a private or metadata address.
 */
export function loopbackOnlySockets(): SocketSpy {
  const attempts: SocketTarget[] = [];
  const wrap =
    (open: SocketConnector): SocketConnector =>
    (target, callback) => {
      attempts.push(target);
      if (target.hostname === '127.0.0.1' || target.hostname === '::1') {
        open(target, callback);
        return;
      }
      callback(new Error(`test guard: refused to open a socket to ${target.hostname}`), null);
    };
  return { attempts, wrap };
}

/**
 * undici returns a connection to its pool on the turn after the response ends (the pool learns it
 * is idle from a 'drain' event); back-to-back requests in one microtask chain would open a second
 * one. Requests arriving at a server are always separated like this.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
