import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { z } from 'zod';

/** What the pid file of a running launcher holds. */
const PidFileContent = z.object({ pid: z.number().int().positive(), gatewayUrl: z.string() });
export type PidFileContent = z.infer<typeof PidFileContent>;

/** Another stack found by its live launcher (pid file) or by something already answering on the gateway port. */
export type RunningStack = { readonly kind: 'launcher'; readonly pid: number; readonly gatewayUrl: string; readonly pidFile: string } | { readonly kind: 'port'; readonly gatewayUrl: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPidFile(file: string): PidFileContent | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = PidFileContent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Resolves true when a TCP connection to host:port is accepted within timeoutMs. */
export function acceptsConnections(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  // A wildcard listen address is reached through loopback.
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return new Promise((resolve) => {
    const socket = connect({ host: target, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const gatewayUrlOf = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Takes the pid file for this process, unless a live launcher holds it or the gateway port is taken: then
 * nothing is written and the stack found is returned. A pid file whose process is gone (or that cannot be
 * read) is stale and replaced. Exclusive creation keeps two launchers starting at once from both winning.
 */
export async function claimStack(pidFile: string, host: string, port: number): Promise<RunningStack | null> {
  const gatewayUrl = gatewayUrlOf(host, port);
  const content = `${JSON.stringify({ pid: process.pid, gatewayUrl } satisfies PidFileContent)}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(pidFile, content, { flag: 'wx', mode: 0o644 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const holder = readPidFile(pidFile);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) return { kind: 'launcher', pid: holder.pid, gatewayUrl: holder.gatewayUrl, pidFile };
    rmSync(pidFile, { force: true });
  }
  if (await acceptsConnections(host, port)) {
    releaseStack(pidFile);
    return { kind: 'port', gatewayUrl };
  }
  return null;
}

/** Removes the pid file if it is this process's. */
export function releaseStack(pidFile: string): void {
  if (readPidFile(pidFile)?.pid === process.pid) rmSync(pidFile, { force: true });
}

export function describeRunningStack(found: RunningStack): string {
  if (found.kind === 'launcher') {
    return `Switchboard is already running: launcher pid ${found.pid}, gateway ${found.gatewayUrl} (pid file ${found.pidFile}).
Nothing was started. Stop it with Ctrl-C in its terminal or \`kill ${found.pid}\` (its services stop with it),
or start another stack with its own SWITCHBOARD_STATE_DIR, SWITCHBOARD_PORT, DATABASE_URL and SWITCHBOARD_DEMO_MOCK_PORT.`;
  }
  return `Something already accepts connections on the gateway port: ${found.gatewayUrl}.
Nothing was started. If it is a Switchboard stack, stop it (Ctrl-C in its terminal; \`ss -ltnp 'sport = :${new URL(found.gatewayUrl).port}'\` shows the process),
or choose another port with SWITCHBOARD_PORT.`;
}
