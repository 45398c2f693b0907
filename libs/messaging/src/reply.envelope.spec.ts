import { TimeoutError } from 'rxjs';
import { z } from 'zod';
import { defineOperation, fromGateway } from '@switchboard/contracts';
import { parseReply, transportFailure } from './reply.envelope.js';
import { firstIssue } from './zod-issue.format.js';

const Op = defineOperation('usage.v1.spec-op', z.object({}), z.object({ id: z.string(), at: z.coerce.date() }), fromGateway);

describe('parseReply', () => {
  it('returns the value parsed with op.reply', () => {
    const result = parseReply(Op, { ok: true, value: { id: 'a', at: '2020-01-01T00:00:00Z' } });
    expect(result).toEqual({ ok: true, value: { id: 'a', at: new Date('2020-01-01T00:00:00Z') } });
  });

  it('passes a typed error through', () => {
    const error = { code: 'not_found', message: 'no such provider', details: { id: 'p' } };
    expect(parseReply(Op, { ok: false, error })).toEqual({ ok: false, error });
  });

  it('turns a malformed envelope or value into internal', () => {
    expect(parseReply(Op, 'hello')).toEqual({ ok: false, error: expect.objectContaining({ code: 'internal' }) });
    expect(parseReply(Op, { ok: false, error: { code: 'made_up', message: 'x' } })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'internal', message: expect.stringContaining('error.code: ') }),
    });
    expect(parseReply(Op, { ok: true, value: { id: 1 } })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'internal', message: expect.stringContaining('id: ') }),
    });
  });
});

describe('transportFailure', () => {
  it('maps transport failures to unavailable and remote error packets to internal', () => {
    expect(transportFailure('x', new TimeoutError(), 5000)).toEqual({ code: 'unavailable', message: 'no reply from x within 5000 ms' });
    expect(transportFailure('x', new Error('Empty response. There are no subscribers'), 1).message).toBe('no service is answering x');
    expect(transportFailure('x', new Error('connect ECONNREFUSED'), 1).code).toBe('unavailable');
    expect(transportFailure('x', 'Error: Connection lost. Trying to reconnect...', 1).code).toBe('unavailable');
    expect(transportFailure('x', { status: 'error', message: 'Internal server error' }, 1).code).toBe('internal');
  });

  it('keeps driver messages out of the error', () => {
    expect(transportFailure('x', new Error('auth failed for nats://u:pw@host'), 1).message).not.toContain('pw');
  });
});

describe('firstIssue', () => {
  it('prefixes the message with a readable path', () => {
    const schema = z.object({ providers: z.array(z.object({ name: z.string().min(1, 'must not be empty') })) });
    const parsed = schema.safeParse({ providers: [{ name: 'a' }, { name: '' }] });
    expect(parsed.success || firstIssue(parsed.error)).toBe('providers[1].name: must not be empty');
    const root = z.string().safeParse(1);
    expect(root.success || firstIssue(root.error)).toMatch(/^Invalid input/);
  });
});
