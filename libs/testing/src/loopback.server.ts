import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServerOptions {
  readonly noDelay?: boolean;
  /** Asked for every new connection; false resets it at once (what an outage looks like to a client). */
  readonly admit?: () => boolean;
}

/**
 * An HTTP server on 127.0.0.1 for the protocol-level test doubles: it tracks its connections so a
 * double can reset them all (an outage) and stop without waiting for keep-alive clients, and it keeps
 * its port across a stop and a start.
 */
export class LoopbackServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(
    private readonly handle: (req: IncomingMessage, res: ServerResponse) => void,
    private readonly options: LoopbackServerOptions = {},
  ) {}

  get port(): number {
    return this.boundPort;
  }

  /** Listens on 127.0.0.1:`port` (0: any free port; default: the port of an earlier start). */
  async start(port = this.boundPort): Promise<void> {
    const server = createServer({ noDelay: this.options.noDelay ?? false }, this.handle);
    server.on('connection', (socket: Socket) => {
      if (this.options.admit && !this.options.admit()) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** Resets every open connection. */
  resetConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    this.resetConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
