import { parseRewrapArgs } from './rewrap.command.js';

describe('parseRewrapArgs', () => {
  it('takes a target key, a new local key, or the current key', () => {
    expect(parseRewrapArgs(['--to', 'arn:aws:kms:us-east-1:1:key/abc'])).toEqual({ help: false, target: { kind: 'key', keyId: 'arn:aws:kms:us-east-1:1:key/abc' } });
    expect(parseRewrapArgs(['--new-local-key'])).toEqual({ help: false, target: { kind: 'new-local-key' } });
    expect(parseRewrapArgs([])).toEqual({ help: false, target: { kind: 'current' } });
    expect(parseRewrapArgs(['--help'])).toEqual({ help: true });
  });

  it.each([[['--to', 'k', '--new-local-key']], [['--to', ' ']], [['--to']], [['--force']], [['k1']]])('refuses %j', (argv) => {
    expect(() => parseRewrapArgs(argv)).toThrow();
  });
});
