import { versionConflictError } from './command.handler.js';

describe('versionConflictError', () => {
  it('turns a VersionConflict into the version_conflict AppError', () => {
    expect(
      versionConflictError({ code: 'version_conflict', message: 'm', streamId: 's', expected: 1, actual: 2 }),
    ).toEqual({ code: 'version_conflict', message: 'm', details: { streamId: 's', expected: 1, actual: 2 } });
  });
});
