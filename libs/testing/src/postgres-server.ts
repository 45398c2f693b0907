import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './stack.js';

/**
 * A PostgreSQL server of a test's own (initdb on a temporary directory, a loopback port), so fault tests can
 * crash and restart it without touching the machine's shared server. `crash()` is an immediate shutdown
 * (SIGQUIT to the postmaster: no checkpoint, WAL not yet flushed is gone), so the next start runs crash
 * recovery, as after a power cut. As root it runs as the `postgres` user, since PostgreSQL refuses root.
 */
export class PostgresServer {
  private child: ChildProcess | null = null;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  private port = 0;
  private initialised = false;

  /** The bin directory of the newest installed PostgreSQL (Debian layout), or null. */
  static binDir(): string | null {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root)) return null;
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')));
    versions.sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? null : join(root, versions[0], 'bin');
  }

  /** An admin URL (database `postgres`, trust auth). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<this> {
    const bin = PostgresServer.binDir();
    if (bin === null) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
    const owner = process.getuid?.() === 0 ? postgresUser() : null;
    if (!this.initialised) {
      if (owner !== null) chownSync(this.dataDir, owner.uid, owner.gid);
      const init = spawnSync(join(bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
        stdio: 'pipe',
        ...(owner === null ? {} : { uid: owner.uid, gid: owner.gid }),
      });
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr.toString().slice(-500)}`);
      this.initialised = true;
    }
    if (this.port === 0) this.port = await freePort();
    this.child = spawn(
      join(bin, 'postgres'),
      ['-D', this.dataDir, '-p', String(this.port), '-k', this.dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      { stdio: 'ignore', ...(owner === null ? {} : { uid: owner.uid, gid: owner.gid }) },
    );
    await this.waitReady(30_000);
    return this;
  }

  /** Immediate shutdown, as in a crash: the next start() recovers from the WAL. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGQUIT');
    await exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    this.child = null;
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${this.port} did not come up: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const fields = line?.split(':');
  if (fields === undefined || fields.length < 4) throw new Error('running as root needs a postgres user to run PostgreSQL as');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}
