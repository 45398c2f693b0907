// The contenders of compare.bench.mjs besides Switchboard, and what it measures them with: the floor and the ladder's
// composition servers (child processes of this repository's test/bench), the Portkey gateway, a trace sink standing in
// for an OTLP collector, and CPU time summed over every process a contender's calls run through.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, freePort } from '@switchboard/testing';
import { cpuTicks, sleep } from './bench-kit.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Runs a test/bench server script as a child process; resolves once it prints `listening <port>`. */
export async function startBenchServer(script, env, name = script) {
  const child = spawn(process.execPath, [join(HERE, script)], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s: ${output}`)), 30_000);
    const onData = (d) => {
      output = (output + d).slice(-4000);
      const m = /listening (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts the Portkey gateway on a free loopback port; resolves once it answers HTTP. */
export async function startPortkey() {
  const script = join(dirname(createRequire(import.meta.url).resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js');
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', join(HERE, 'loopback-listen.mjs'), script, `--port=${port}`, '--headless'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey gateway exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Portkey gateway did not answer on ${url} within 30 s: ${stderr}`);
      await sleep(100);
    }
  }
  return {
    url,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An OTLP/HTTP endpoint that accepts every export and keeps nothing: the cost of tracing stays in the exporter. */
export async function startTraceSink() {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      // An empty ExportTraceServiceResponse in the request's encoding: an exporter that cannot read the answer counts
      // the export as failed.
      if (req.headers['content-type'] === 'application/x-protobuf') {
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, exports: () => exports, stop: () => new Promise((r) => server.close(r)) };
}

const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};
const comm = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};
const POSTGRES_SHARED = /postgres: .*(walwriter|checkpointer|background writer)/;

/**
 * The processes a Switchboard call runs through, found now: the given gateway, every other service process, the NATS
 * server, and PostgreSQL's backends of the stack's database with the writers every commit goes through. NATS and the
 * PostgreSQL writers are shared with anything else running on the machine.
 */
export function stackProcesses(stack, gatewayPid) {
  const services = stack.services.filter((s) => s.name !== 'gateway' && s.child.exitCode === null).map((s) => s.child.pid);
  const pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  const nats = pids.filter((pid) => comm(pid) === 'nats-server');
  const postgres = pids.filter((pid) => comm(pid) === 'postgres').filter((pid) => {
    const line = cmdline(pid);
    return line.includes(` ${stack.databaseName} `) || POSTGRES_SHARED.test(line);
  });
  return [gatewayPid, ...services, ...nats, ...postgres];
}

/** CPU ticks per process, for those still alive. */
export function cpuSnapshot(pids) {
  const ticks = new Map();
  for (const pid of pids) {
    try {
      ticks.set(pid, cpuTicks(pid));
    } catch {
      // Gone (a PostgreSQL backend that closed): what it spent since the last snapshot is lost to the sum.
    }
  }
  return ticks;
}

/** Ticks spent between two snapshots, summed; a process that appeared in between counts from 0. */
export function cpuSpent(before, after) {
  let total = 0;
  for (const [pid, ticks] of after) total += ticks - (before.get(pid) ?? 0);
  return total;
}
