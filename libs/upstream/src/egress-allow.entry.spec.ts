import { formatAllowEntry, parseAllowEntry } from './egress-allow.entry.js';
import { EgressPolicy } from './egress.policy.js';

const formatted = (text: string): string => {
  const parsed = parseAllowEntry(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return formatAllowEntry(parsed.value);
};

describe('SWITCHBOARD_EGRESS_ALLOW entries: [<tenantId>@]<CIDR>[:<port>]', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.0/8:8000', '10.0.0.0/8:8000'],
    ['192.168.1.7', '192.168.1.7/32'],
    ['127.0.0.1/32:4010', '127.0.0.1/32:4010'],
    ['ten_x@10.1.2.3/32', 'ten_x@10.1.2.3/32'],
    ['ten_x@10.0.0.0/8:8000', 'ten_x@10.0.0.0/8:8000'],
    ['fd00::/8', 'fd00::/8'],
    ['fd00::1:8000', 'fd00::1:8000/128'],
    ['[fd00::/8]', 'fd00::/8'],
    ['[fd00::/8]:8000', '[fd00::/8]:8000'],
    ['ten_x@[::1]:65535', 'ten_x@[::1/128]:65535'],
    ['ten-Y_2@::ffff:10.0.0.0/104', 'ten-Y_2@::ffff:10.0.0.0/104'],
  ])('reads %s as %s', (text, canonical) => {
    expect(formatted(text)).toBe(canonical);
  });

  it('keeps tenant and port apart from the range', () => {
    expect(parseAllowEntry('ten_x@10.0.0.0/8:8000')).toMatchObject({ ok: true, value: { tenantId: 'ten_x', port: 8000, range: { prefix: 8 } } });
    expect(parseAllowEntry('10.0.0.0/8')).toEqual({ ok: true, value: { range: expect.objectContaining({ prefix: 8 }) } });
  });

  it.each([
    ['10.0.0.0/8:0', '"10.0.0.0/8:0": port must be 1-65535, not "0"'],
    ['10.0.0.0/8:65536', '"10.0.0.0/8:65536": port must be 1-65535, not "65536"'],
    ['10.0.0.0/8:', '"10.0.0.0/8:": port must be 1-65535, not ""'],
    ['10.0.0.0/8:http', '"10.0.0.0/8:http": port must be 1-65535, not "http"'],
    ['10.0.0.0/8:+80', '"10.0.0.0/8:+80": port must be 1-65535, not "+80"'],
    ['@10.0.0.0/8', '"@10.0.0.0/8": "" is not a tenant id'],
    ['ten x@10.0.0.0/8', '"ten x@10.0.0.0/8": "ten x" is not a tenant id'],
    ['a@b@10.0.0.0/8', 'in "a@b@10.0.0.0/8": "b@10.0.0.0/8" is not a CIDR (bad address "b@10.0.0.0")'],
    ['ten_x@10.1.2.3/8:80', 'in "ten_x@10.1.2.3/8:80": "10.1.2.3/8" has host bits set; did you mean 10.0.0.0/8?'],
    ['fd00::/8:8000', '"fd00::/8:8000": an IPv6 range with a port is written in brackets, e.g. [fd00::/8]:8000'],
    ['[fd00::/8]8000', '"[fd00::/8]8000": expected [<IPv6 CIDR>]:<port>'],
    ['[10.0.0.0/8]:80', '"[10.0.0.0/8]:80": brackets are for IPv6 ranges; write 10.0.0.0/8:80'],
  ])('refuses %j', (text, message) => {
    expect(parseAllowEntry(text)).toEqual({ ok: false, error: message });
  });

  it('refuses the whole variable at start, naming the bad entry', () => {
    const value = '10.0.0.0/8, ten_a@10.1.0.0/16:80, 127.0.0.1/32:99999';
    expect(() => EgressPolicy.fromEnv(value)).toThrow('SWITCHBOARD_EGRESS_ALLOW: "127.0.0.1/32:99999": port must be 1-65535, not "99999"');
    expect(EgressPolicy.parse(value)).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { entry: '127.0.0.1/32:99999' } } });
  });
});
