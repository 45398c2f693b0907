import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './service.processes.js';

/** The mock LLM upstream of libs/testing as a process of its own (the launcher does not import test code). */
export interface DemoMock {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export async function startDemoMock(port: number, timeoutMs = 10_000): Promise<DemoMock> {
  const main = join(REPO_ROOT, 'libs', 'testing', 'dist', 'mock-llm', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (or SWITCHBOARD_DEMO_MOCK=0)`);
  const child = spawn(process.execPath, [main, '--port', String(port)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let output = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the mock LLM upstream did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (data: Buffer): void => {
      output += data.toString('utf8');
      const url = /^MOCK_LLM_URL=(\S+)$/m.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the mock LLM upstream exited (code ${code}) on port ${port}:\n${output.trim()}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, exited);
    throw error;
  });
  return { baseUrl, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

const DemoTenant = z.object({ tenantId: z.string(), adminKey: z.string(), agentId: z.string().optional(), agentKey: z.string().optional() });
export type DemoTenant = z.infer<typeof DemoTenant>;

interface Reply {
  readonly status: number;
  readonly body: Record<string, string>;
  readonly text: string;
}

async function call(gatewayUrl: string, key: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, string> = {};
  try {
    parsed = JSON.parse(text) as Record<string, string>;
  } catch {
    // Not JSON: the caller reports the text.
  }
  return { status: res.status, body: parsed, text };
}

/** The demo tenant saved for this database, if its admin key still works; else a new one (on the mock, if any). */
export async function ensureDemoTenant(stateDir: string, databaseName: string, gatewayUrl: string, operatorKey: string, mock: DemoMock | null): Promise<DemoTenant> {
  const file = join(stateDir, `demo-tenant.${databaseName}.json`);
  if (existsSync(file)) {
    const saved = DemoTenant.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (saved.success && (await call(gatewayUrl, saved.data.adminKey, 'GET', '/v1/keys')).status === 200) return saved.data;
  }
  const res = await call(gatewayUrl, operatorKey, 'POST', '/v1/tenants', { name: 'demo' });
  if (res.status !== 201) throw new Error(`seeding the demo tenant failed: ${res.status} ${res.text}`);
  const demo: DemoTenant = { tenantId: res.body['id'], adminKey: res.body['adminKey'] };
  const seeded = mock ? { ...demo, ...(await seedMockProvider(gatewayUrl, demo.adminKey, mock.baseUrl)) } : demo;
  writeFileSync(file, JSON.stringify(seeded, null, 2), { mode: 0o600 });
  return seeded;
}

/** A provider on the mock upstream, a model, an agent and its key: enough to try the proxy. */
async function seedMockProvider(gatewayUrl: string, adminKey: string, mockUrl: string): Promise<{ agentId: string; agentKey: string }> {
  const must = async (what: string, path: string, body: unknown): Promise<Record<string, string>> => {
    const res = await call(gatewayUrl, adminKey, 'POST', path, body);
    if (res.status >= 300) throw new Error(`seeding ${what} failed: ${res.status} ${res.text}`);
    return res.body;
  };
  const provider = await must('the mock provider', '/v1/providers', { name: 'demo-mock', type: 'custom', endpoint: `${mockUrl}/v1`, apiKey: 'sk-demo-mock-upstream' });
  await must('the demo model', `/v1/providers/${provider['id']}/models`, { name: 'demo-model', upstreamModel: 'gpt-mock' });
  const agent = await must('the demo agent', '/v1/agents', { name: 'demo-agent', providerId: provider['id'], model: 'demo-model' });
  const key = await must('the agent key', '/v1/keys', { name: 'demo agent key', role: 'agent', agentId: agent['id'] });
  return { agentId: agent['id'], agentKey: key['key'] };
}
