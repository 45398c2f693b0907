import { randomBytes } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { Actor, busNames, defineOperation, fromGateway, ok, type Operation, type ParsedRequestOf, type ReplyOf, type Result } from '@switchboard/contracts';
import { BUS_TOKEN_HEADER } from '@switchboard/service-identity';
import { testIdentities, untrustedIdentity } from '@switchboard/service-identity/testing';
import { createLogger } from '@switchboard/telemetry';
import { BusClient } from './bus.client.js';
import { DirectClient, serveDirect } from './direct.operation.js';
import { HandleOperation } from './handle-operation.decorator.js';
import { connectNats } from './nats.connection.js';
import { natsMicroserviceOptions } from './nats.config.js';
import type { NatsConfig } from './nats.config.js';
import { ServiceIdentityModule } from './service-identity.module.js';

// HandleOperation namespaces subjects when the controller below is declared.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env['SWITCHBOARD_NAMESPACE'] = namespace;
// The refusals provoked below are logged as warnings; keep the test output to errors.
process.env['LOG_LEVEL'] = 'error';
const cfg: NatsConfig = { url: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', namespace, name: 'bus-auth-spec' };

const Echo = defineOperation('providers.v1.spec-echo', z.object({ text: z.string() }), z.object({ text: z.string() }), fromGateway);
const Explode = defineOperation('providers.v1.spec-explode', z.object({}), z.object({}), fromGateway);
/** Answered only once a test releases it, so a rogue responder gets there first. */
const Slow = defineOperation('providers.v1.spec-slow', z.object({}), z.object({}), fromGateway);
/** Made on someone's behalf: the handler answers with the actor it was given. */
const WhoAmI = defineOperation('providers.v1.spec-whoami', z.object({ actor: Actor, note: z.string() }), z.object({ actor: Actor }), {
  callers: ['gateway', 'credentials'],
});
const identities = testIdentities();
const handledBy: string[] = [];
let releaseSlow: () => void = () => undefined;

@Controller()
class SpecController {
  @HandleOperation(Echo)
  async echo(@Payload() request: ParsedRequestOf<typeof Echo>): Promise<Result<ReplyOf<typeof Echo>>> {
    handledBy.push(request.text);
    return ok({ text: request.text });
  }

  @HandleOperation(Slow)
  async slow(): Promise<Result<ReplyOf<typeof Slow>>> {
    await new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    return ok({});
  }

  @HandleOperation(WhoAmI)
  async whoAmI(@Payload() request: ParsedRequestOf<typeof WhoAmI>): Promise<Result<ReplyOf<typeof WhoAmI>>> {
    return ok({ actor: request.actor });
  }
}

@Module({ controllers: [SpecController] })
class SpecServiceModule {}

let service: INestMicroservice;
let bus: BusClient;

beforeAll(async () => {
  const module = ServiceIdentityModule.around(SpecServiceModule, identities.identity('providers'));
  service = await NestFactory.createMicroservice(module, { ...natsMicroserviceOptions(cfg, 'spec', { gracePeriodMs: 10 }), logger: false });
  await service.listen();
  await service.unwrap<NatsConnection>().flush();
  bus = BusClient.create(cfg, identities.identity('gateway'));
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
});

describe('service tokens and reply proofs over NATS', () => {
  let raw: NatsConnection;
  const subjectOf = (op: Operation) => busNames(namespace).command(op.subject);
  const member: Actor = { tenantId: 'ten_a', keyId: 'key_member', role: 'member', agentId: null };

  /** A request as any process on the bus can make one: Nest's packet, the token (if any) in the header. */
  async function rawRequest(op: Operation, data: unknown, token?: string): Promise<Result<unknown> & { proof?: string }> {
    const headers = natsHeaders();
    if (token !== undefined) headers.set(BUS_TOKEN_HEADER, token);
    const reply = await raw.request(subjectOf(op), JSON.stringify({ pattern: subjectOf(op), data, id: randomBytes(8).toString('hex') }), {
      timeout: 2_000,
      headers,
    });
    return (reply.json<{ response: Result<unknown> & { proof?: string } }>()).response;
  }

  const reasonOf = (result: Result<unknown>) => (result.ok ? 'answered' : `${result.error.code}:${String(result.error.details?.['reason'])}`);

  beforeAll(async () => {
    raw = await connectNats({ ...cfg, name: 'bus-spec-raw' });
  });

  afterAll(async () => {
    await raw?.drain();
  });

  it('refuses a request without a token, and the handler never runs', async () => {
    handledBy.length = 0;
    expect(reasonOf(await rawRequest(Echo, { text: 'no token' }))).toBe('caller_refused:missing_token');
    expect(reasonOf(await rawRequest(Echo, { text: 'garbage' }, 'not.a-token'))).toBe('caller_refused:malformed_token');
    expect(handledBy).toEqual([]);
  });

  it('refuses a token signed by a key no service trusts, even one calling itself the gateway', async () => {
    const body = { text: 'forged' };
    const { token } = untrustedIdentity('gateway').signRequest(Echo, JSON.stringify(body), null);
    expect(reasonOf(await rawRequest(Echo, body, token))).toBe('caller_refused:unknown_key');
  });

  it('refuses a trusted service the operation does not list', async () => {
    const body = { text: 'from usage' };
    const { token } = identities.identity('usage').signRequest(Echo, JSON.stringify(body), null);
    expect(reasonOf(await rawRequest(Echo, body, token))).toBe('caller_refused:caller_not_allowed');
  });

  it('refuses a token on another payload or operation, and an expired one', async () => {
    const gateway = identities.identity('gateway');
    const body = { text: 'once' };
    const other = gateway.signRequest(Echo, JSON.stringify({ text: 'signed for this' }), null);
    expect(reasonOf(await rawRequest(Echo, { text: 'sent with that' }, other.token))).toBe('caller_refused:payload_mismatch');

    const stale = identities.identity('gateway', { now: () => Date.now() - 60_000 }).signRequest(Echo, JSON.stringify(body), null);
    expect(reasonOf(await rawRequest(Echo, body, stale.token))).toBe('caller_refused:expired');
    const otherOp = gateway.signRequest(Explode, JSON.stringify(body), null);
    expect(reasonOf(await rawRequest(Echo, body, otherOp.token))).toBe('caller_refused:wrong_operation');
  });

  it("takes the handler's actor from the token, never from the payload", async () => {
    expect(await bus.send(WhoAmI, { actor: member, note: 'hi' })).toEqual({ ok: true, value: { actor: member } });

    const forged = { tenantId: 'ten_b', keyId: 'key_forged', role: 'admin', agentId: null };
    const body = { note: 'hi', actor: forged };
    const { token } = identities.identity('gateway').signRequest(WhoAmI, JSON.stringify(body), member);
    expect(await rawRequest(WhoAmI, body, token)).toMatchObject({ ok: true, value: { actor: member } });

    const anonymous = identities.identity('gateway').signRequest(WhoAmI, JSON.stringify({ note: 'x' }), null);
    expect(reasonOf(await rawRequest(WhoAmI, { note: 'x' }, anonymous.token))).toBe('caller_refused:principal_missing');
  });

  it('signs every reply for its request, and the client takes no other answer', async () => {
    const body = { text: 'proof' };
    const { token, jti } = identities.identity('gateway').signRequest(Echo, JSON.stringify(body), null);
    const answered = await rawRequest(Echo, body, token);
    const { proof, ...envelope } = answered;
    expect(identities.identity('gateway').verifyReply(proof, Echo, jti, JSON.stringify(envelope))).toBe(true);

    // A rogue responder answers Slow (whose real handler waits) before the service can: first with an unsigned
    // value, then with the real, signed reply it saw above.
    const rogue = raw.subscribe(subjectOf(Slow));
    const forgedReplies = [{ ok: true, value: {} }, answered];
    void (async () => {
      for await (const message of rogue) {
        const { id } = message.json<{ id: string }>();
        message.respond(JSON.stringify({ id, response: forgedReplies.shift(), isDisposed: true }));
      }
    })();
    await raw.flush();
    try {
      for (let i = 0; i < 2; i++) {
        const result = await bus.send(Slow, {}, { timeoutMs: 2_000 });
        releaseSlow();
        expect(!result.ok && result.error).toEqual(expect.objectContaining({ code: 'internal', message: expect.stringContaining('not signed') }));
      }
    } finally {
      rogue.unsubscribe();
    }
  });

  it('does the same on the direct path (serveDirect / DirectClient)', async () => {
    const served = serveDirect(raw, busNames(namespace), WhoAmI, async (request) => ok({ actor: request.actor }), {
      queue: 'direct-spec',
      logger: createLogger('direct-spec', { level: 'error', write: () => undefined }),
      identity: identities.identity('providers'),
    });
    await raw.flush();
    try {
      const client = new DirectClient(() => raw, namespace, identities.identity('credentials'));
      expect(await client.request(WhoAmI, { actor: member, note: 'direct' }, { timeoutMs: 2_000 })).toEqual({ ok: true, value: { actor: member } });
      const asUsage = new DirectClient(() => raw, namespace, identities.identity('usage'));
      const refused = await asUsage.request(WhoAmI, { actor: member, note: 'direct' }, { timeoutMs: 2_000 });
      expect(reasonOf(refused)).toBe('caller_refused:caller_not_allowed');
      const plain = await raw.request(subjectOf(WhoAmI), JSON.stringify({ note: 'plain', actor: member }), { timeout: 2_000 });
      expect(reasonOf(plain.json<Result<unknown>>())).toBe('caller_refused:missing_token');

      // One replica answers here, so the second use of a token meets the window that saw the first.
      const body = JSON.stringify({ note: 'once' });
      const { token } = identities.identity('gateway').signRequest(WhoAmI, body, member);
      const headers = natsHeaders();
      headers.set(BUS_TOKEN_HEADER, token);
      expect(reasonOf((await raw.request(subjectOf(WhoAmI), body, { timeout: 2_000, headers })).json<Result<unknown>>())).toBe('answered');
      const replayed = (await raw.request(subjectOf(WhoAmI), body, { timeout: 2_000, headers })).json<Result<unknown>>();
      expect(reasonOf(replayed)).toBe('caller_refused:replayed');
    } finally {
      served.unsubscribe();
    }
  });
});
