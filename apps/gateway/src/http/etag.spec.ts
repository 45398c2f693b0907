import { ApiErrorException } from './api-error.exception.js';
import { etagOf, parseIfMatch } from './etag.js';

describe('ETag / If-Match', () => {
  it('formats the version as a strong entity tag', () => {
    expect(etagOf(3)).toBe('"3"');
  });

  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['*', undefined],
    ['"3"', 3],
    ['W/"3"', 3],
    [' "12" ', 12],
    ['"0"', 0],
  ])('parses %j', (header, expected) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  it.each(['3', '"3', '"abc"', '"-1"', '"3", "4"', 'w/"3"', '""', '"1.5"', '"9999999999999999"'])('refuses %j with 400', (header) => {
    expect(() => parseIfMatch(header)).toThrow(ApiErrorException);
    try {
      parseIfMatch(header);
    } catch (error) {
      expect((error as ApiErrorException).code).toBe('validation_failed');
      expect((error as ApiErrorException).message).toMatch(/^If-Match: /);
    }
  });

  it('refuses a repeated header', () => {
    expect(() => parseIfMatch(['"1"', '"2"'])).toThrow(ApiErrorException);
  });
});
