import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '@switchboard/contracts';
import type { ClientProtocol } from '@switchboard/llm-protocols';
import { createLogger } from '@switchboard/telemetry';
import { HttpMetrics } from '../metrics/http.metrics.js';
import type { ProxyExchange } from '../proxy/pipeline/proxy.exchange.js';
import type { ProxyHandler } from '../proxy/pipeline/proxy.handler.js';
import { EarlyAuth } from './early-auth.hook.js';
import { ProxyListener } from './proxy.listener.js';
import { RequestObserver } from './request-observability.hooks.js';

type Json = Record<string, unknown>;
const AGENT: Principal = { keyId: 'key_1', tenantId: 'ten_1', role: 'agent', agentId: 'agt_1' };
const FASTIFY_OPTIONS = { keepAliveTimeout: 72_000, requestTimeout: 60_000, connectionTimeout: 0, maxRequestsPerSocket: 0 };

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * The listener on a real loopback server, with a stand-in for the pipeline (`call`) and for Fastify (everything the
 * listener leaves to it is answered 299), the real door, observer, metrics and a logger whose lines are kept.
 */
async function listening(call: (protocol: ClientProtocol, exchange: ProxyExchange) => Promise<void>) {
  const lines: Json[] = [];
  const logger = createLogger('gateway', { level: 'debug', write: (line) => lines.push(JSON.parse(line) as Json) });
  const metrics = new HttpMetrics();
  const listener = new ProxyListener();
  const toFastify = (_req: IncomingMessage, res: ServerResponse): void => void res.writeHead(299).end('fastify');
  const server: Server = listener.serverFactory(toFastify, FASTIFY_OPTIONS);
  const door = new EarlyAuth({ resolve: (key) => Promise.resolve(key === 'sb_good' ? AGENT : null) }, { maxUploadsPerAddress: 4 });
  listener.attach({ handler: { call } as unknown as ProxyHandler, door, observer: new RequestObserver(metrics, { logger, level: 'info' }), logger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const send = (method: string, path: string, body: string | null, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { authorization: 'Bearer sb_good', 'content-type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  const close = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  return { listener, send, lines, metrics, close };
}

const echo = async (protocol: ClientProtocol, exchange: ProxyExchange): Promise<void> => {
  exchange.send(200, { 'content-type': 'application/json' }, JSON.stringify({ protocol, body: exchange.body, id: exchange.id, tenant: exchange.principal?.tenantId }));
};

describe('the proxy listener', () => {
  it('serves the POST routes itself, query strings included, with a request id, an access line and a duration sample', async () => {
    const l = await listening(echo);
    try {
      const answer = await l.send('POST', '/v1/responses?x=1', '{"model":"m"}');
      expect(answer.status).toBe(200);
      const echoed = JSON.parse(answer.body) as Json;
      expect(echoed).toMatchObject({ protocol: 'openai_responses', body: { model: 'm' }, tenant: 'ten_1' });
      expect(echoed.id).toMatch(/^req_[0-9a-z]{20}$/);
      await new Promise((resolve) => setImmediate(resolve));
      expect(l.lines).toContainEqual(
        expect.objectContaining({ msg: 'http request', method: 'POST', route: '/v1/responses', status: 200, tenant_id: 'ten_1', request_id: echoed.id }),
      );
      expect(await l.metrics.render()).toContain('switchboard_http_server_request_duration_seconds_count{method="POST",route="/v1/responses",status_code="200"} 1');
    } finally {
      await l.close();
    }
  });

  it.each([
    ['another method', 'GET', '/v1/chat/completions', {}],
    ['a trailing slash', 'POST', '/v1/chat/completions/', {}],
    ['another path', 'POST', '/v1/chat/completions/x', {}],
    ['another content type', 'POST', '/v1/chat/completions', { 'content-type': 'text/plain' }],
    ['a content type with other parameters', 'POST', '/v1/messages', { 'content-type': 'application/json; charset=latin1' }],
  ])('leaves %s to Fastify', async (_case, method, path, headers) => {
    const l = await listening(echo);
    try {
      const answer = await l.send(method, path, method === 'GET' ? null : '{}', headers);
      expect(answer).toMatchObject({ status: 299, body: 'fastify' });
    } finally {
      await l.close();
    }
  });

  it('refuses an unknown key at the door, in the protocol’s shape, without calling the pipeline', async () => {
    let called = 0;
    const l = await listening(async (protocol, exchange) => {
      called++;
      await echo(protocol, exchange);
    });
    try {
      const answer = await l.send('POST', '/v1/messages', '{}', { authorization: 'Bearer sb_bad' });
      expect(answer.status).toBe(401);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Invalid API Key: unknown or revoked access key' } });
      expect(called).toBe(0);
    } finally {
      await l.close();
    }
  });

  it('answers an unexpected failure 500 in the protocol’s shape, and logs it', async () => {
    const l = await listening(() => Promise.reject(new Error('boom')));
    try {
      const answer = await l.send('POST', '/v1/chat/completions', '{}');
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
      expect(answer.body).not.toContain('boom');
      expect(l.lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'proxy call failed', error: 'boom' }));
    } finally {
      await l.close();
    }
  });

  it('answers 503 as Fastify does once it is closing, without calling the pipeline', async () => {
    let called = 0;
    const l = await listening(async (protocol, exchange) => {
      called++;
      await echo(protocol, exchange);
    });
    try {
      l.listener.close();
      const answer = await l.send('POST', '/v1/chat/completions', '{}');
      expect(answer.status).toBe(503);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({ error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 });
      expect(called).toBe(0);
    } finally {
      await l.close();
    }
  });
});
