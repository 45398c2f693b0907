import { join, resolve } from 'node:path';
import { loadLauncherConfig } from './launcher.config.js';
import { REPO_ROOT } from './service.processes.js';

describe('loadLauncherConfig', () => {
  it('defaults to the local machine, state in .switchboard', () => {
    const config = loadLauncherConfig({});
    expect(config).toEqual({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/switchboard',
      natsUrl: 'nats://127.0.0.1:4222',
      namespace: '',
      host: '127.0.0.1',
      port: 8080,
      operatorKey: null,
      egressAllow: '',
      stateDir: join(REPO_ROOT, '.switchboard'),
      demoMock: true,
      demoMockPort: 4010,
      kms: { backend: 'local', localDir: join(REPO_ROOT, '.switchboard', 'kms') },
    });
  });

  it('takes the gateway address, a state directory relative to the working directory and no demo mock', () => {
    const config = loadLauncherConfig({ SWITCHBOARD_HOST: '0.0.0.0', SWITCHBOARD_PORT: '18080', SWITCHBOARD_STATE_DIR: 'other', SWITCHBOARD_DEMO_MOCK: '0' });
    expect([config.host, config.port, config.stateDir, config.demoMock]).toEqual(['0.0.0.0', 18080, resolve('other'), false]);
    expect(config.kms).toEqual({ backend: 'local', localDir: join(resolve('other'), 'kms') });
  });

  it('treats empty variables as unset', () => {
    expect(loadLauncherConfig({ SWITCHBOARD_PORT: '', DATABASE_URL: ' ' }).port).toBe(8080);
  });

  it('names every bad variable at once', () => {
    const message = (() => {
      try {
        loadLauncherConfig({ SWITCHBOARD_PORT: 'http', DATABASE_URL: 'mysql://x/y', SWITCHBOARD_DEMO_MOCK: 'yes', KMS_BACKEND: 'vault' });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const line of ['SWITCHBOARD_PORT: must be a number', 'DATABASE_URL: must be a postgres:// URL', 'SWITCHBOARD_DEMO_MOCK: must be 0 or 1', 'KMS_BACKEND: must be local or aws']) {
      expect(message).toContain(line);
    }
  });

  it('leaves the aws backend to the services, keeping the emulator endpoint', () => {
    expect(loadLauncherConfig({ KMS_BACKEND: 'aws', KMS_ENDPOINT: 'http://127.0.0.1:4599' }).kms).toEqual({ backend: 'aws', endpoint: 'http://127.0.0.1:4599' });
  });
});
