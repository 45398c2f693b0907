import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (or kills it after timeoutMs), never throwing on its exit code. */
export function run(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Pids of live processes whose environment contains `marker` (Linux /proc; an empty list elsewhere). */
export function processesWithEnvironment(marker: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Environment that points every backing service nowhere: a CLI that tried to do its job would fail or hang. */
export function nowhereEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere',
    NATS_URL: 'nats://127.0.0.1:1',
    KMS_BACKEND: 'local',
    ...extra,
  };
  delete env.NODE_OPTIONS;
  return env;
}
