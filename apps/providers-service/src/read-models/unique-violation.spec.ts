import { UNIQUE_NAMES } from './read-models.migrations.js';
import { uniqueViolationError } from './unique-violation.js';

/** The shape TypeORM gives a failed query: the pg error under driverError. */
const queryFailed = (code: string, constraint: string) => ({ driverError: { code, constraint } });

describe('uniqueViolationError', () => {
  it('turns a name index violation into its business error', () => {
    expect(uniqueViolationError(queryFailed('23505', UNIQUE_NAMES.provider))?.code).toBe('provider_name_taken');
    expect(uniqueViolationError(queryFailed('23505', UNIQUE_NAMES.model))?.code).toBe('model_name_taken');
    expect(uniqueViolationError({ code: '23505', constraint: UNIQUE_NAMES.agent })?.code).toBe('agent_name_taken');
  });

  it('leaves every other failure alone', () => {
    expect(uniqueViolationError(queryFailed('23505', 'events_stream_version_key'))).toBeNull();
    expect(uniqueViolationError(queryFailed('40001', UNIQUE_NAMES.provider))).toBeNull();
    expect(uniqueViolationError(new Error('connection lost'))).toBeNull();
    expect(uniqueViolationError(undefined)).toBeNull();
  });
});
