import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';

type Json = Record<string, unknown>;
const MIB = 1024 * 1024;
const HUGE_BYTES = 1024 * MIB;
const UPSTREAM_TIMEOUT_MS = 15_000;

/** Upstreams no honest provider is: a 1 GiB answer, one that trickles a byte a second, one that answers HTML. */
function hostileUpstream(): Server {
  return createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      if (req.url?.startsWith('/huge/')) return sendHuge(res);
      if (req.url?.startsWith('/trickle/')) return trickle(res);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>internal admin page</body></html>');
    });
  });
}

function sendHuge(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const block = Buffer.alloc(MIB, 'a');
  let sent = 0;
  res.write('{"id":"huge","choices":[{"message":{"role":"assistant","content":"');
  const more = (): void => {
    while (sent < HUGE_BYTES) {
      sent += block.length;
      if (!res.write(block)) return void res.once('drain', more);
    }
    res.end('"}}],"usage":{"prompt_tokens":5,"completion_tokens":7}}');
  };
  res.on('error', () => undefined);
  more();
}

function trickle(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const timer = setInterval(() => res.write(' '), 1_000);
  res.once('close', () => clearInterval(timer));
}

/** Resident memory of a process, in bytes. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
}

/** The highest RSS a process reaches while `work` runs (sampled every 25 ms), above where it started. */
async function rssGrowthDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = rssOf(pid);
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 25);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, rssOf(pid)) - start };
  } finally {
    clearInterval(timer);
  }
}

describe('the gateway under hostile upstreams and clients', () => {
  let mock: MockLlmUpstream;
  let hostile: Server;
  let stack: Stack;
  let gatewayPid: number;
  let agentKeyFor: (endpoint: string) => Promise<string>;
  let normalKey: string;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    hostile = hostileUpstream();
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const hostileBase = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', SWITCHBOARD_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) } });
    gatewayPid = stack.running('gateway')[0]?.child.pid ?? 0;
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'hostile' });
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    let n = 0;
    agentKeyFor = async (endpoint) => {
      n++;
      const provider = await admin.post<Json>('/v1/providers', { name: `p${n}`, type: 'custom', endpoint, apiKey: 'sk-hostile-0123456789' });
      expect(provider.status).toBe(201);
      await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'm', upstreamModel: 'x' });
      const agent = await admin.post<Json>('/v1/agents', { name: `a${n}`, providerId: provider.body.id, model: 'm' });
      return (await admin.post<Json>('/v1/keys', { name: `k${n}`, role: 'agent', agentId: agent.body.id })).body.key as string;
    };
    normalKey = await agentKeyFor(`${mock.baseUrl}/v1`);
    hostileKeys = {
      huge: await agentKeyFor(`${hostileBase}/huge/v1`),
      trickle: await agentKeyFor(`${hostileBase}/trickle/v1`),
      html: await agentKeyFor(`${hostileBase}/html/v1`),
    };
  });
  let hostileKeys: Record<'huge' | 'trickle' | 'html', string>;

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await new Promise((resolve) => hostile?.close(resolve));
    await mock?.stop();
  });

  const chat = (key: string, signal?: AbortSignal) =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      ...(signal ? { signal } : {}),
    });

  it('streams a 1 GiB answer through in bounded memory', async () => {
    const { result, growth } = await rssGrowthDuring(gatewayPid, async () => {
      const response = await chat(hostileKeys.huge);
      let bytes = 0;
      if (response.status === 200) for await (const chunk of response.body as AsyncIterable<Uint8Array>) bytes += chunk.length;
      return { status: response.status, bytes };
    });
    expect([200, 502]).toContain(result.status);
    if (result.status === 200) expect(result.bytes).toBeGreaterThan(HUGE_BYTES);
    process.stdout.write(`1 GiB answer: status ${result.status}, ${(result.bytes / MIB).toFixed(0)} MiB relayed, gateway RSS grew ${(growth / MIB).toFixed(1)} MiB\n`);
    expect(growth).toBeLessThan(100 * MIB);
  }, 120_000);

  it('cuts an upstream that trickles a byte a second at the call’s deadline, and says so', async () => {
    const started = Date.now();
    const response = await chat(hostileKeys.trickle);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(elapsed).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 500);
    expect(elapsed).toBeLessThan(UPSTREAM_TIMEOUT_MS + 5_000);
  }, 60_000);

  it('relays no answer that is neither JSON nor an event stream', async () => {
    const response = await chat(hostileKeys.html);
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(text).not.toContain('admin page');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_unavailable', message: expect.stringContaining('text/html') } });
  });

  it('answers 50 half-sent 30 MiB uploads without a key at once, in bounded memory, while agents keep being served', async () => {
    const { port } = new URL(stack.gatewayUrl);
    const opened: Socket[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      expect((await chat(normalKey)).status).toBe(200);
      baseline.push(performance.now() - t0);
    }
    const { result, growth } = await rssGrowthDuring(gatewayPid, async () => {
      const outcomes = Array.from({ length: 50 }, () => {
        const socket = connect(Number(port), '127.0.0.1');
        opened.push(socket);
        const started = Date.now();
        return new Promise<{ answer: string; closed: boolean; ms: number }>((resolve) => {
          let answer = '';
          socket.on('data', (data) => (answer += data.toString('latin1')));
          socket.on('error', () => undefined);
          socket.once('close', () => resolve({ answer, closed: true, ms: Date.now() - started }));
          setTimeout(() => resolve({ answer, closed: socket.destroyed, ms: Date.now() - started }), 2_000);
          socket.write(
            `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${30 * MIB}\r\n\r\n`,
          );
          socket.write(Buffer.alloc(MIB, 'x'));
        });
      });
      const during: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        expect((await chat(normalKey)).status).toBe(200);
        during.push(performance.now() - t0);
      }
      return { answers: await Promise.all(outcomes), during };
    });
    for (const socket of opened) socket.destroy();
    // A 401, or a closed connection: a server that closes on a body still arriving may have its answer reset away.
    for (const { answer, closed, ms } of result.answers) {
      expect(answer.startsWith('HTTP/1.1 401') || closed).toBe(true);
      expect(ms).toBeLessThanOrEqual(2_000);
    }
    expect(result.answers.filter((a) => a.answer.startsWith('HTTP/1.1 401')).length).toBeGreaterThan(0);
    process.stdout.write(`50 half-sent 30 MiB uploads: gateway RSS grew ${(growth / MIB).toFixed(1)} MiB\n`);
    expect(growth).toBeLessThan(100 * MIB);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    process.stdout.write(`agent call p50 before ${median(baseline).toFixed(1)} ms, during the uploads ${median(result.during).toFixed(1)} ms\n`);
  }, 60_000);

  it('lets one client address have only so many slow uploads at once', async () => {
    const { port } = new URL(stack.gatewayUrl);
    const sockets: Socket[] = [];
    const send = () =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        sockets.push(socket);
        let answer = '';
        socket.on('data', (data) => (answer += data.toString('latin1')));
        socket.on('error', () => undefined);
        setTimeout(() => resolve(answer), 1_000);
        // Headers and a little of a body that never finishes: the slot stays taken.
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${normalKey}\r\ncontent-type: application/json\r\ncontent-length: ${MIB}\r\n\r\n{"model":`);
      });
    try {
      const held = Array.from({ length: 32 }, send);
      // Slow once their bodies have been arriving for over a second: the default allows 32 such.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const refused = await send();
      expect(refused.startsWith('HTTP/1.1 429')).toBe(true);
      expect((await Promise.all(held)).filter((a) => a === '')).toHaveLength(32);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // Their slots are free again once they are gone.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await chat(normalKey)).status).toBe(200);
  });
});
