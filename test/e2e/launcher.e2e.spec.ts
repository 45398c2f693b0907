import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busNames } from '@switchboard/contracts';
import { adminDatabaseUrl, deleteEventsStream, dropDatabase, freePort, REPO_ROOT, withDatabase } from '@switchboard/testing';
import { processesWithEnvironment, run } from '../cli/cli.process.js';

/** `npm start`'s launcher for real: it holds the pid file while it runs, refuses a second start, and cleans up on SIGTERM. */
describe('the npm start launcher', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sb-launcher-'));
  const database = `sb_t_${randomBytes(6).toString('hex')}`;
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const marker = `SWITCHBOARD_STATE_DIR=${stateDir}`;
  let env: NodeJS.ProcessEnv;
  let launcher: ChildProcess;
  let output = '';
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    env = { ...process.env, SWITCHBOARD_STATE_DIR: stateDir, SWITCHBOARD_PORT: String(port), SWITCHBOARD_NAMESPACE: namespace, SWITCHBOARD_DEMO_MOCK: '0' };
    env.DATABASE_URL = withDatabase(adminDatabaseUrl(), database);
    delete env.NODE_OPTIONS;
    launcher = spawn(process.execPath, [join(REPO_ROOT, 'libs', 'launcher', 'dist', 'start.js')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer): void => {
        output += data.toString('utf8');
        if (output.includes('Switchboard is running')) resolve();
      };
      launcher.stdout?.on('data', onData);
      launcher.stderr?.on('data', onData);
      launcher.once('exit', (code) => reject(new Error(`the launcher exited (${code}):\n${output}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill('SIGTERM');
      await new Promise((r) => launcher.once('exit', r));
    }
    await dropDatabase(database);
    await deleteEventsStream(busNames(namespace));
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('holds the pid file while the four services run', () => {
    expect(JSON.parse(readFileSync(join(stateDir, 'stack.pid'), 'utf8'))).toEqual({ pid: launcher.pid, gatewayUrl: `http://127.0.0.1:${port}` });
    expect(processesWithEnvironment(marker)).toHaveLength(1 + 4);
  });

  it('refuses a second start, naming the running launcher, and starts nothing', async () => {
    const second = await run(process.execPath, [join(REPO_ROOT, 'libs', 'launcher', 'dist', 'start.js')], { cwd: REPO_ROOT, env, timeoutMs: 15_000 });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`launcher pid ${launcher.pid}, gateway http://127.0.0.1:${port}`);
    expect(processesWithEnvironment(marker)).toHaveLength(1 + 4);
  });

  it('stops every service and removes the pid file on SIGTERM', async () => {
    launcher.kill('SIGTERM');
    const code = await new Promise((r) => launcher.once('exit', r));
    expect(code).toBe(0);
    expect(existsSync(join(stateDir, 'stack.pid'))).toBe(false);
    expect(processesWithEnvironment(marker)).toEqual([]);
  });
});
