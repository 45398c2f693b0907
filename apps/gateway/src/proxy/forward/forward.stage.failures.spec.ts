import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@switchboard/testing';
import { PROVIDER_ID, REPLY, UNTOUCHED_STATUS, UPSTREAM_KEY, cachedKey, chatCall, deadline, forwardOnce, meterFor, mockedUpstream, sseData, stageWith, type Json } from '../../../test/forward-stage.fixtures.js';
import { CallDeadline } from './call.deadline.js';

describe('forward stage: refused answers, failover, deadlines', () => {
  const upstream = mockedUpstream();

  it('refuses an answer that is neither JSON nor SSE: the client gets a 502, never its body', async () => {
    const page = '<html><body>internal dashboard</body></html>';
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['authorization']);
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const htmlEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const { stage } = stageWith(upstream.client, cachedKey());
      const meter = meterFor('openai_chat', false);

      const relayed = await forwardOnce(stage, chatCall(htmlEndpoint, { mayFailOver: true }), meter, deadline());

      expect(seen).toEqual([`Bearer ${UPSTREAM_KEY}`]);
      expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
      expect(relayed.status).toBe(502);
      expect(relayed.json()).toMatchObject({
        error: {
          code: 'upstream_unavailable',
          message: `Upstream Unavailable: provider ${PROVIDER_ID} answered content type text/html; charset=utf-8, which is not relayed`,
        },
      });
      expect(relayed.body).not.toContain('internal dashboard');
      expect(relayed.body).not.toContain(UPSTREAM_KEY);
      expect(meter.errorKind).toBe('upstream_bad_response');
      expect(meter.accepted).toBe(false);
      expect(meter.usage).toBeNull();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  // A 503 says the upstream is overloaded and stays a 503; any other failure is a bad gateway.
  it.each([
    [500, 502],
    [503, 503],
  ] as const)('hands an upstream %i back for failover when another target may take the call (its failure a %i), writing nothing', async (status, shown) => {
    upstream.mock.configure({ fault: { kind: 'status', status } });
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { mayFailOver: true }), meter, deadline());

    expect(relayed.outcome).toMatchObject({
      kind: 'fail_over',
      opensCircuit: true,
      fault: { kind: 'status', status },
      failure: { kind: 'upstream_unavailable', status: shown },
    });
    expect(relayed.wrote).toBe(false);
    expect(relayed.status).toBe(UNTOUCHED_STATUS);
    expect(relayed.body).toBe('untouched');
    expect(upstream.mock.calls()).toMatchObject([{ status }]);
    expect(meter.accepted).toBe(false);
    // The failure is left to the handler, which records it on the attempt's meter.
    expect(meter.errorKind).toBeUndefined();
  });

  it('hands a refused connection back for failover, writing nothing', async () => {
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(`http://127.0.0.1:${await freePort()}/v1`, { mayFailOver: true }), meter, deadline());

    expect(relayed.outcome).toMatchObject({ kind: 'fail_over', opensCircuit: true, fault: { kind: 'error', error: 'connect_failed' }, failure: { status: 502 } });
    expect(relayed.wrote).toBe(false);
    expect(relayed.status).toBe(UNTOUCHED_STATUS);
    expect(meter.accepted).toBe(false);
    expect(meter.ttfbMs).toBeNull();
  });

  it("answers a retryable failure itself when no other target remains, the provider's circuit told of it", async () => {
    upstream.mock.configure({ fault: { kind: 'status', status: 503, retryAfter: 7 } });
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { mayFailOver: false }), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: true });
    expect(relayed.wrote).toBe(true);
    expect(relayed.status).toBe(503);
    expect(relayed.headers['retry-after']).toBe('7');
    expect(relayed.json()).toMatchObject({ error: { code: 'upstream_unavailable', type: 'server_error', message: expect.stringContaining(`provider ${PROVIDER_ID} answered 503`) } });
    expect(relayed.body).not.toContain(UPSTREAM_KEY);
    expect(meter.errorKind).toBe('upstream_unavailable');
    expect(meter.accepted).toBe(false);
  });

  it('answers a refused connection itself when no other target remains', async () => {
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(`http://127.0.0.1:${await freePort()}/v1`), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: true });
    expect(relayed.status).toBe(502);
    expect(relayed.json()).toMatchObject({ error: { code: 'upstream_unavailable', message: expect.stringMatching(/^Upstream Unavailable: /) } });
    expect(relayed.body).not.toContain(UPSTREAM_KEY);
  });

  it('answers a request error that another target would not change (400) as final, even when failover is allowed', async () => {
    upstream.mock.configure({ fault: { kind: 'status', status: 400 } });
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { mayFailOver: true }), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(400);
    expect(relayed.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('Mock fault') } });
    expect(meter.errorKind).toBe('bad_request');
  });

  it('answers the timeout when the deadline expires while the upstream works, the call counted as accepted', async () => {
    upstream.mock.configure({ latencyMs: 5_000 });
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', false);
    const started = Date.now();

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint), meter, new CallDeadline(300));

    expect(Date.now() - started).toBeLessThan(4_000);
    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: true });
    expect(relayed.status).toBe(504);
    expect(relayed.json()).toMatchObject({
      error: { code: 'upstream_timeout', type: 'server_error', message: `Upstream Timeout: ${upstream.mock.baseUrl} did not finish within 300 ms` },
    });
    // The upstream had the request and may have generated (and billed) the answer: its usage is to be estimated.
    expect(upstream.mock.calls()).toMatchObject([{ status: null }]);
    expect(meter.accepted).toBe(true);
    expect(meter.needsEstimate).toBe(true);
    expect(meter.errorKind).toBe('upstream_timeout');
    expect(meter.ttfbMs).toBeNull();
  });

  it('ends a stream cut by the deadline with an error event, keeping what was relayed and metered', async () => {
    upstream.mock.configure({ interChunkDelayMs: 2_000 });
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', true);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { stream: true }), meter, new CallDeadline(500));

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(200);
    const data = sseData(relayed.body);
    expect(data).not.toContain('[DONE]');
    const last = JSON.parse(data.at(-1) ?? '{}') as Json;
    expect(last).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(relayed.body).toContain(`"content":"${REPLY.slice(0, 3)}`);
    expect(meter.errorKind).toBe('upstream_timeout');
    expect(meter.accepted).toBe(true);
    expect(meter.usageComplete).toBe(false);
    expect(meter.needsEstimate).toBe(true);
  });
});
