import { appError, fail, ok } from '@switchboard/contracts';
import { withoutValue } from './secret-values.service.js';

describe('withoutValue', () => {
  it('replaces a refusal that quotes a submitted value, keeping code and details', () => {
    const quoted = fail(appError('validation_failed', 'value sk-live-123456 is not allowed', { field: 'value' }));
    expect(withoutValue(quoted, 'sk-live-123456')).toEqual(
      fail(appError('validation_failed', 'the submitted value was refused', { field: 'value' })),
    );
    expect(withoutValue(quoted, 'other', 'sk-live-123456')).toEqual(
      fail(appError('validation_failed', 'the submitted value was refused', { field: 'value' })),
    );
  });

  it('leaves answers that do not quote it, successes and very short values alone', () => {
    const refusal = fail(appError('unavailable', 'KMS is not reachable'));
    expect(withoutValue(refusal, 'sk-live-123456')).toBe(refusal);
    expect(withoutValue(ok(1), 'sk-live-123456')).toEqual(ok(1));
    expect(withoutValue(refusal, 'KMS')).toBe(refusal);
  });
});
