import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { busNames } from '@switchboard/contracts';
import { jetStreamUsageSink } from './usage.sink.js';

const url = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

/** The usage events' way onto the bus: acknowledged by JetStream, deduplicated by the event's id. */
describe('jetStreamUsageSink (local NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const names = busNames(`t${randomBytes(5).toString('hex')}`);
  const subject = names.event('ten_1', 'usage.recorded');

  beforeAll(async () => {
    nc = await connect({ servers: url });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: names.eventsStream, subjects: [names.eventsSubjects], duplicate_window: 60e9 });
  });

  afterAll(async () => {
    await jsm.streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
  });

  it('stores an event once however often it is published under the same id', async () => {
    const sink = jetStreamUsageSink(() => nc);
    await sink.publish(subject, '{"eventId":"req_1"}', { msgId: 'req_1' });
    await sink.publish(subject, '{"eventId":"req_1"}', { msgId: 'req_1' });
    await sink.publish(subject, '{"eventId":"req_2"}', { msgId: 'req_2' });
    expect((await jsm.streams.info(names.eventsStream)).state.messages).toBe(2);
  });

  it('matches every ack to its own publish when many are in flight at once', async () => {
    const sink = jetStreamUsageSink(() => nc);
    const before = (await jsm.streams.info(names.eventsStream)).state.messages;
    const ids = Array.from({ length: 300 }, (_, i) => `req_many_${i}`);
    await Promise.all(ids.map((id) => sink.publish(subject, JSON.stringify({ eventId: id }), { msgId: id })));
    expect((await jsm.streams.info(names.eventsStream)).state.messages).toBe(before + 300);
    const last = await jsm.streams.getMessage(names.eventsStream, { last_by_subj: subject });
    expect(last?.header.get('Nats-Msg-Id')).toBe('req_many_299');
  });

  it('rejects when no stream takes the subject (no responders), so the event is spooled', async () => {
    const sink = jetStreamUsageSink(() => nc);
    await expect(sink.publish(`nostream_${randomBytes(4).toString('hex')}.usage`, '{}', { msgId: 'req_4' })).rejects.toThrow('no responders');
  });

  it('rejects an answer that is a JetStream error or no ack, and resolves a well-formed one', async () => {
    const fake = `fake_${randomBytes(4).toString('hex')}`;
    const answers: Record<string, string> = {
      [`${fake}.refused`]: '{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}',
      [`${fake}.nostream`]: '{"seq":1}',
      [`${fake}.garbage`]: 'not json',
      [`${fake}.stored`]: '{"stream":"EVENTS","seq":7,"duplicate":false}',
    };
    const responder = nc.subscribe(`${fake}.*`, { callback: (_error, msg) => void msg.respond(answers[msg.subject] ?? '') });
    await nc.flush();
    const sink = jetStreamUsageSink(() => nc);
    await expect(sink.publish(`${fake}.refused`, '{}', { msgId: 'a' })).rejects.toThrow('expected stream does not match (10060)');
    await expect(sink.publish(`${fake}.nostream`, '{}', { msgId: 'b' })).rejects.toThrow('names no stream');
    await expect(sink.publish(`${fake}.garbage`, '{}', { msgId: 'c' })).rejects.toThrow('not JSON');
    await expect(sink.publish(`${fake}.stored`, '{}', { msgId: 'd' })).resolves.toBeUndefined();
    responder.unsubscribe();
  });

  it('fails a publish whose ack does not come within the timeout', async () => {
    const silent = `silent_${randomBytes(4).toString('hex')}`;
    const listener = nc.subscribe(silent);
    await nc.flush();
    const sink = jetStreamUsageSink(() => nc, { timeoutMs: 200 });
    const started = Date.now();
    await expect(sink.publish(silent, '{}', { msgId: 'e' })).rejects.toThrow('did not acknowledge the event within 200 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    listener.unsubscribe();
  });

  it('takes the acks on an inbox under the connection\'s inbox prefix, and the event id as Nats-Msg-Id', async () => {
    const fake = `prefixed_${randomBytes(4).toString('hex')}`;
    const seen: { reply: string | undefined; msgId: string | undefined }[] = [];
    const responder = nc.subscribe(fake, {
      callback: (_error, msg) => {
        seen.push({ reply: msg.reply, msgId: msg.headers?.get('Nats-Msg-Id') });
        msg.respond('{"stream":"EVENTS","seq":1}');
      },
    });
    await nc.flush();
    const prefixed = await connect({ servers: url, inboxPrefix: 'gw_inbox' });
    try {
      await jetStreamUsageSink(() => prefixed, { inboxPrefix: 'gw_inbox' }).publish(fake, '{}', { msgId: 'req_5' });
    } finally {
      await prefixed.close();
      responder.unsubscribe();
    }
    expect(seen).toEqual([{ reply: expect.stringMatching(/^gw_inbox\./), msgId: 'req_5' }]);
  });

  it('rejects while NATS is not connected, so the publisher spools the event', async () => {
    const sink = jetStreamUsageSink(() => null);
    expect(sink.connected()).toBe(false);
    await expect(sink.publish(subject, '{}', { msgId: 'req_3' })).rejects.toThrow('NATS is not connected');
  });
});
