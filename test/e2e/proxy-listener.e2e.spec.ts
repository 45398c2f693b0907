import { connect, type Socket } from 'node:net';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;
const MIB = 1024 * 1024;
/** Longer than the slow-upload test holds its uploads, so Node's periodic timeout check never cuts them there. */
const REQUEST_TIMEOUT_MS = 5_000;
const LIMIT = 32 * MIB;

/** The raw answer to bytes written on a fresh connection, once the server closes it or `waitMs` passes. */
function rawExchange(port: number, write: (socket: Socket) => void, waitMs: number): Promise<{ answer: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => done(true));
    write(socket);
  });
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const bodyOf = (answer: string): unknown => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

/**
 * Attacks on the proxy's POST routes, which the gateway serves on its own listener ahead of Fastify: each is answered
 * as Fastify answered it (status, the client protocol's error shape, the connection closed where the body was not read),
 * nothing reaches the upstream and no usage event is recorded for it.
 */
describe('the proxy listener under hostile clients', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let tenantId: string;
  let agentKey: string;
  let port: number;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', SWITCHBOARD_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) } });
    port = Number(new URL(stack.gatewayUrl).port);
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'listener' });
    tenantId = tenant.body.id as string;
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const provider = await admin.post<Json>('/v1/providers', { name: 'mock', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-mock-0123456789' });
    await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'a', providerId: provider.body.id, model: 'm' });
    agentKey = (await admin.post<Json>('/v1/keys', { name: 'k', role: 'agent', agentId: agent.body.id })).body.key as string;
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
  });

  const forwarded = (): number => mock.calls().filter((c) => c.endpoint !== 'models').length;
  const usageEvents = async (): Promise<number> => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).length;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json', ...headers }, body });
  const chatBody = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

  /** Runs `attack`, then one good call: once its usage event is there, the attack's would be too. */
  async function expectNothingForwarded(attack: () => Promise<void>): Promise<void> {
    const calls = forwarded();
    const events = await usageEvents();
    await attack();
    expect(forwarded()).toBe(calls);
    expect((await post('/v1/chat/completions', chatBody)).status).toBe(200);
    expect(forwarded()).toBe(calls + 1);
    expect(await eventually(usageEvents, (n) => n >= events + 1)).toBe(events + 1);
  }

  it('refuses a declared body over 32 MiB before reading it, in the protocol’s shape, and closes the connection', async () => {
    await expectNothingForwarded(async () => {
      for (const [path, shape] of [
        ['/v1/chat/completions', { error: { message: `request body exceeds ${LIMIT} bytes`, type: 'invalid_request_error' } }],
        ['/v1/messages', { type: 'error', error: { message: `request body exceeds ${LIMIT} bytes` } }],
      ] as const) {
        const { answer, closed } = await rawExchange(
          port,
          (s) => s.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${agentKey}\r\ncontent-type: application/json\r\ncontent-length: ${LIMIT + 1}\r\n\r\n{"model":`),
          5_000,
        );
        expect(statusOf(answer)).toBe(413);
        expect(answer.toLowerCase()).toContain('connection: close');
        expect(bodyOf(answer)).toMatchObject(shape);
        expect(closed).toBe(true);
      }
    });
  });

  it('refuses a chunked body once it grows past 32 MiB', async () => {
    await expectNothingForwarded(async () => {
      const { answer } = await rawExchange(
        port,
        (s) => {
          s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${agentKey}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
          const block = Buffer.alloc(MIB, ' ');
          for (let i = 0; i < 34; i++) s.write(`${block.length.toString(16)}\r\n${block.toString('latin1')}\r\n`);
        },
        10_000,
      );
      expect(statusOf(answer)).toBe(413);
      expect(bodyOf(answer)).toMatchObject({ error: { message: `request body exceeds ${LIMIT} bytes` } });
    });
  }, 30_000);

  it('answers malformed, empty and prototype-polluting JSON 400 in the protocol’s shape', async () => {
    await expectNothingForwarded(async () => {
      const invalid = "invalid request: Body is not valid JSON but content-type is set to 'application/json'";
      for (const [path, body, message] of [
        ['/v1/chat/completions', '{"model": ', invalid],
        ['/v1/chat/completions?x=1', '{"model":"m","__proto__":{"admin":true},"messages":[]}', invalid],
        ['/v1/responses', '{"model":"m","input":"hi","a":{"constructor":{"prototype":{}}}}', invalid],
        ['/v1/chat/completions', '', "invalid request: Body cannot be empty when content-type is set to 'application/json'"],
      ] as const) {
        const response = await post(path, body);
        expect(response.status).toBe(400);
        expect(response.headers.get('connection')).toBe('close');
        expect(await response.json()).toMatchObject({ error: { message, type: 'invalid_request_error' } });
      }
      const messages = await post('/v1/messages', '[1,', { 'anthropic-version': '2023-06-01' });
      expect(messages.status).toBe(400);
      expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: invalid } });
    });
  });

  it('answers another content type 415 in the protocol’s shape', async () => {
    await expectNothingForwarded(async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
        const response = await post('/v1/chat/completions', chatBody, { 'content-type': type });
        expect(response.status).toBe(415);
        expect(await response.json()).toMatchObject({ error: { message: 'send the request as application/json' } });
      }
      const missing = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${agentKey}` }, body: new Blob([chatBody]) });
      expect(missing.status).toBe(415);
    });
  });

  it('answers a 30 MiB upload without a valid key 401 from its headers and closes the connection', async () => {
    await expectNothingForwarded(async () => {
      for (const auth of ['', 'authorization: Bearer sk-not-a-switchboard-key\r\n', 'x-api-key: sb_unknown_0123456789\r\n']) {
        const { answer, closed, ms } = await rawExchange(
          port,
          (s) => {
            s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${auth}content-type: application/json\r\ncontent-length: ${30 * MIB}\r\n\r\n`);
            // The first bytes of the body only: the answer must not wait for the rest. (With more of it unread in the
            // server's receive buffer when it closes, the kernel may reset the connection and the 401 be lost on the
            // way; test/e2e/hostile-edges.e2e.spec.ts sends whole megabytes and accepts either.)
            s.write(Buffer.alloc(16 * 1024, 'x'));
          },
          5_000,
        );
        expect(statusOf(answer)).toBe(401);
        expect(bodyOf(answer)).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining('Invalid API Key') } });
        expect(closed).toBe(true);
        expect(ms).toBeLessThan(5_000);
      }
    });
  });

  it('cuts a body that does not arrive within the request timeout', async () => {
    await expectNothingForwarded(async () => {
      const { answer, closed, ms } = await rawExchange(
        port,
        (s) => s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${agentKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":`),
        // The server checks request timeouts every fifth of the timeout (not Node's default 30 s).
        15_000,
      );
      expect(closed).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(answer === '' || statusOf(answer) === 408).toBe(true);
    });
  }, 60_000);

  it('lets one address have only so many slow uploads, and forwards none of them', async () => {
    await expectNothingForwarded(async () => {
      const sockets: Socket[] = [];
      const slow = (): Promise<string> =>
        new Promise((resolve) => {
          const socket = connect(port, '127.0.0.1');
          sockets.push(socket);
          let answer = '';
          socket.on('data', (data) => (answer += data.toString('latin1')));
          socket.on('error', () => undefined);
          setTimeout(() => resolve(answer), 1_000);
          socket.write(`POST /v1/responses HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${agentKey}\r\ncontent-type: application/json\r\ncontent-length: ${MIB}\r\n\r\n{"model":`);
        });
      try {
        const held = Array.from({ length: 32 }, slow);
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const refused = await slow();
        expect(statusOf(refused)).toBe(429);
        expect(refused.toLowerCase()).toContain('retry-after: 2');
        expect(bodyOf(refused)).toMatchObject({ error: { message: expect.stringContaining('Too Many Requests') } });
        expect((await Promise.all(held)).filter((a) => a === '')).toHaveLength(32);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
  });

  it('routes as Fastify did: a query string is the same call, other paths and methods are not proxied', async () => {
    await expectNothingForwarded(async () => {
      for (const path of ['/v1/chat/completions/', '/v1/chat/completions/x', '/V1/chat/completions']) {
        expect((await post(path, chatBody)).status).toBe(404);
      }
      for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
        const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method, headers: { authorization: `Bearer ${agentKey}` } });
        expect(response.status).toBe(404);
      }
    });
    const calls = forwarded();
    const response = await post('/v1/chat/completions?x=1&stream=true', chatBody);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-z]{20}$/);
    expect(await response.json()).toMatchObject({ object: 'chat.completion' });
    expect(forwarded()).toBe(calls + 1);
  });
});
