import { ID_PATTERN } from '@switchboard/contracts';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('makes request ids in the shared id format, all different, across pool refills', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    for (const id of ids) {
      expect(id).toMatch(ID_PATTERN);
      expect(id.startsWith('req_')).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
