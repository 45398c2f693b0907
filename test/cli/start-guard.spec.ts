import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '@switchboard/testing';
import { nowhereEnvironment, processesWithEnvironment, run, type Finished } from './cli.process.js';

const LAUNCHER = join(REPO_ROOT, 'libs', 'launcher', 'dist', 'start.js');

/** `npm start`'s launcher must refuse, before starting anything, to run beside a running stack. */
describe('npm start beside a running stack', () => {
  let stateDir: string;
  let listener: Server | null = null;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-start-guard-'));
  });

  afterEach(async () => {
    await new Promise<void>((r) => (listener ? listener.close(() => r()) : r()));
    listener = null;
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function listenOnFreePort(): Promise<number> {
    const port = await freePort();
    const server = createServer((socket) => socket.destroy());
    listener = server;
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    return port;
  }

  /** The launcher with its state in stateDir, PostgreSQL and NATS pointed nowhere (it must not get that far). */
  async function launch(port: number): Promise<Finished> {
    const env = nowhereEnvironment({ SWITCHBOARD_STATE_DIR: stateDir, SWITCHBOARD_PORT: String(port), SWITCHBOARD_DEMO_MOCK_PORT: String(await freePort()) });
    return run(process.execPath, [LAUNCHER], { cwd: REPO_ROOT, env, timeoutMs: 15_000 });
  }

  /** Nothing a start leaves behind: no keys, logs or KMS directory, and no process that inherited its state directory. */
  function expectNothingStarted(result: Finished): void {
    expect(result.stdout).not.toContain('Starting Switchboard');
    expect(readdirSync(stateDir).filter((f) => f !== 'stack.pid')).toEqual([]);
    expect(processesWithEnvironment(`SWITCHBOARD_STATE_DIR=${stateDir}`)).toEqual([]);
  }

  it('exits 1 naming the port when something accepts connections on SWITCHBOARD_PORT', async () => {
    const port = await listenOnFreePort();
    const result = await launch(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`already accepts connections on the gateway port: http://127.0.0.1:${port}`);
    expect(result.stderr).toContain('Nothing was started');
    expectNothingStarted(result);
    expect(existsSync(join(stateDir, 'stack.pid'))).toBe(false);
  });

  it('exits 1 naming the pid, the port and how to stop it when the pid file names a live launcher', async () => {
    const port = await freePort();
    const pidFile = join(stateDir, 'stack.pid');
    // This test's own process stands in for the running launcher: alive, and not the one being started.
    const content = JSON.stringify({ pid: process.pid, gatewayUrl: `http://127.0.0.1:${port}` });
    writeFileSync(pidFile, content);
    const result = await launch(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Switchboard is already running: launcher pid ${process.pid}, gateway http://127.0.0.1:${port}`);
    expect(result.stderr).toContain(`kill ${process.pid}`);
    expectNothingStarted(result);
    expect(readFileSync(pidFile, 'utf8')).toBe(content);
  });

  it('replaces a stale pid file (its process gone) and goes on to check the port', async () => {
    const port = await listenOnFreePort();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'stack.pid'), JSON.stringify({ pid: dead, gatewayUrl: 'http://127.0.0.1:1' }));
    const result = await launch(port);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('already running: launcher');
    expect(result.stderr).toContain(`already accepts connections on the gateway port: http://127.0.0.1:${port}`);
    expectNothingStarted(result);
    // Claimed over the stale one, then given up when the port turned out taken.
    expect(existsSync(join(stateDir, 'stack.pid'))).toBe(false);
  });
});
