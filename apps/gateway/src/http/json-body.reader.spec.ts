import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { parseJsonText, readJsonBody } from './json-body.reader.js';

const INVALID = "Body is not valid JSON but content-type is set to 'application/json'";

/** A request body as a stream with the headers the reader looks at. */
function requestOf(headers: Record<string, string>, chunks: readonly (string | Buffer)[], fail?: Error): IncomingMessage {
  const stream = new PassThrough();
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    if (fail) stream.destroy(fail);
    else stream.end();
  });
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

describe('parseJsonText', () => {
  it('parses JSON, a leading byte-order mark and keys that only look like the prototype’s', () => {
    expect(parseJsonText('{"model":"m","n":[1,{"a":null}]}')).toEqual({ ok: true, value: { model: 'm', n: [1, { a: null }] } });
    expect(parseJsonText('\ufeff{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonText('{"constructor":"x","text":"__proto__"}')).toEqual({ ok: true, value: { constructor: 'x', text: '__proto__' } });
    expect(parseJsonText('{"constructor":{"name":"x"}}')).toEqual({ ok: true, value: { constructor: { name: 'x' } } });
    expect(parseJsonText('42')).toEqual({ ok: true, value: 42 });
  });

  it.each([
    ['malformed', '{"model": '],
    ['a __proto__ key', '{"a":1,"__proto__":{"admin":true}}'],
    ['an escaped __proto__ key, nested', '{"a":[{"b":{"\\u005f_proto__":{}}}]}'],
    ['a constructor.prototype', '{"messages":[{"constructor":{"prototype":{"x":1}}}]}'],
  ])('refuses %s as invalid JSON', (_case, text) => {
    expect(parseJsonText(text)).toEqual({ ok: false, error: { status: 400, message: INVALID } });
  });

  it('refuses an empty body', () => {
    expect(parseJsonText('')).toEqual({ ok: false, error: { status: 400, message: "Body cannot be empty when content-type is set to 'application/json'" } });
  });
});

describe('readJsonBody', () => {
  it('reads a body in pieces, a character split across them included', async () => {
    const text = JSON.stringify({ content: 'héllo' });
    const bytes = Buffer.from(text);
    const split = text.indexOf('é') + 1;
    const read = await readJsonBody(requestOf({ 'content-length': String(bytes.length) }, [bytes.subarray(0, split), bytes.subarray(split)]), 1024);
    expect(read).toEqual({ ok: true, value: { content: 'héllo' } });
  });

  it('refuses a declared length over the limit without reading', async () => {
    const req = requestOf({ 'content-length': '2000' }, ['{}']);
    expect(await readJsonBody(req, 1000)).toEqual({ ok: false, error: { status: 413, message: 'Request body is too large' } });
  });

  it('refuses a body without a length once it grows past the limit', async () => {
    const read = await readJsonBody(requestOf({}, ['{"a":"', 'x'.repeat(600), 'x'.repeat(600), '"}']), 1000);
    expect(read).toEqual({ ok: false, error: { status: 413, message: 'Request body is too large' } });
  });

  it('refuses a body that does not match its Content-Length', async () => {
    const read = await readJsonBody(requestOf({ 'content-length': '10' }, ['{}']), 1000);
    expect(read).toEqual({ ok: false, error: { status: 400, message: 'Request body size did not match Content-Length' } });
  });

  it('answers a body stream that fails with 400 and its message', async () => {
    const read = await readJsonBody(requestOf({}, ['{"a"'], new Error('aborted')), 1000);
    expect(read).toEqual({ ok: false, error: { status: 400, message: 'aborted' } });
  });
});
