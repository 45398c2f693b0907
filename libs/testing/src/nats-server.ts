import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './stack.js';

// Certificates for a TLS-configured server; exported beside it so they reach the package index with it.
export { createTestCertificates, type TestCertificates } from './test-certificates.js';

const BINARIES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

export interface NatsServerOptions {
  /**
   * Configuration after the server's own listen address and JetStream store, e.g. `include permissions.conf`
   * and a `tls { … }` block. Without it the server runs from command-line flags, open to anyone.
   */
  readonly config?: string;
  /** Files copied beside the configuration (name → source path): nats-server includes relative paths only. */
  readonly files?: Readonly<Record<string, string>>;
  /** The server's environment: values for `$VAR` references in the configuration (passwords). */
  readonly env?: Readonly<Record<string, string>>;
  /** The configuration requires TLS: clients get a `tls://` URL. */
  readonly tls?: boolean;
}

/**
 * A NATS server with JetStream of a test's own, on a loopback port, so fault tests can kill and
 * restart it without touching the machine's shared server; optionally from a configuration file
 * (users, permissions, TLS), logging to a file the test can read.
 */
export class NatsServer {
  private child: ChildProcess | null = null;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'sb-nats-'));
  private port = 0;

  constructor(private readonly options: NatsServerOptions = {}) {}

  static binary(): string {
    const found = BINARIES.find((b) => existsSync(b));
    if (!found) throw new Error(`nats-server not found (looked in ${BINARIES.join(', ')})`);
    return found;
  }

  get url(): string {
    return `${this.options.tls ? 'tls' : 'nats'}://127.0.0.1:${this.port}`;
  }

  /** The directory holding the configuration, the log and the JetStream store. */
  get dir(): string {
    return this.storeDir;
  }

  private get logFile(): string {
    return join(this.storeDir, 'nats-server.log');
  }

  /** What the server has logged so far (configured servers only). */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    const logged = this.log().length;
    const child = spawn(NatsServer.binary(), this.arguments(), {
      // A configured server logs to its file; what it prints is a configuration error, read below.
      stdio: ['ignore', 'ignore', this.options.config === undefined ? 'ignore' : 'pipe'],
      env: { ...process.env, ...this.options.env },
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`nats-server exited with ${code} before listening\n${stderr}${this.log().slice(-2000)}`))),
    );
    exited.catch(() => undefined);
    // A configured server is awaited through its log: a probe connection would log a TLS handshake error.
    const ready = this.options.config === undefined ? waitForPort(this.port, 10_000) : this.waitForLog(logged, 'Server is ready', 10_000);
    try {
      await Promise.race([ready, exited]);
    } catch (error) {
      await this.kill();
      throw error;
    }
    return this;
  }

  /** Waits for `line` in what was logged after the first `from` characters (a restart appends to the same log). */
  private async waitForLog(from: number, line: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.log().slice(from).includes(line)) {
      if (Date.now() > deadline) throw new Error(`nats-server did not log "${line}" within ${timeoutMs} ms\n${this.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private arguments(): string[] {
    if (this.options.config === undefined) return ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    for (const [name, source] of Object.entries(this.options.files ?? {})) copyFileSync(source, join(this.storeDir, name));
    const file = join(this.storeDir, 'nats-server.conf');
    const own = [`listen: "127.0.0.1:${this.port}"`, `jetstream { store_dir: ${JSON.stringify(join(this.storeDir, 'jetstream'))} }`];
    writeFileSync(file, `${own.join('\n')}\n${this.options.config}\n`);
    return ['-c', file, '-l', this.logFile];
  }

  /** SIGKILL: no goodbye to clients, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
