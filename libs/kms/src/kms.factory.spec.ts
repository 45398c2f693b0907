import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsKms } from './aws.kms.js';
import { createKmsFromEnv } from './kms.factory.js';
import { LocalKms } from './local.kms.js';

describe('createKmsFromEnv', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kms-env-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('defaults to the local backend in KMS_LOCAL_DIR', () => {
    const kms = createKmsFromEnv({ KMS_LOCAL_DIR: join(root, 'kms') });
    expect(kms).toBeInstanceOf(LocalKms);
    expect(kms.backend).toBe('local');
  });

  it('takes a single local master key from KMS_LOCAL_MASTER_KEY', () => {
    const kms = createKmsFromEnv({ KMS_BACKEND: 'local', KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64'), KMS_LOCAL_DIR: '' });
    expect(kms.keyId).toMatch(/^env-/);
  });

  it('builds the aws backend with key id, region and endpoint', () => {
    const kms = createKmsFromEnv({ KMS_BACKEND: 'aws', KMS_KEY_ID: 'alias/switchboard', KMS_ENDPOINT: 'http://127.0.0.1:4599' });
    expect(kms).toBeInstanceOf(AwsKms);
    expect(kms.keyId).toBe('alias/switchboard');
    kms.close();
  });

  it.each([
    [{ KMS_BACKEND: 'vault' }, /KMS_BACKEND/],
    [{ KMS_BACKEND: 'aws' }, /KMS_KEY_ID is required/],
    [{ KMS_BACKEND: 'aws', KMS_KEY_ID: 'k', KMS_ENDPOINT: 'not a url' }, /KMS_ENDPOINT/],
    [{ KMS_LOCAL_MASTER_KEY: 'c2hvcnQ=' }, /KMS_LOCAL_MASTER_KEY must be standard base64 of 32 bytes/],
    [{ KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64'), KMS_LOCAL_DIR: '/tmp/x' }, /exclusive/],
    [{ KMS_BACKEND: 'aws', KMS_KEY_ID: 'k', KMS_TENANT_KEY_DELETION_DAYS: '6' }, /KMS_TENANT_KEY_DELETION_DAYS/],
    [{ KMS_BACKEND: 'aws', KMS_KEY_ID: 'k', KMS_TENANT_KEY_DELETION_DAYS: '31' }, /KMS_TENANT_KEY_DELETION_DAYS/],
  ])('refuses bad configuration %j', (env, message) => {
    expect(() => createKmsFromEnv(env)).toThrow(message);
  });

  it('never echoes a master key in its error', () => {
    const badKey = randomBytes(31).toString('base64');
    expect(() => createKmsFromEnv({ KMS_LOCAL_MASTER_KEY: badKey })).toThrow(/^invalid KMS configuration: KMS_LOCAL_MASTER_KEY/);
    try {
      createKmsFromEnv({ KMS_LOCAL_MASTER_KEY: badKey });
    } catch (error) {
      expect(String(error)).not.toContain(badKey);
    }
  });
});
