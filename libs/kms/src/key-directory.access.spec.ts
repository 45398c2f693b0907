import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKms } from './local.kms.js';

const uid = process.getuid?.() ?? -1;
// Only root can give a file to another user, so the owner specs run only as root (as the test environment does).
const asRoot = uid === 0 ? it : it.skip;
const STRANGER_UID = 4242;

describe('local KMS key directory access', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kms-access-'));
    dir = join(root, 'kms');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Opens once to create the directory, then returns the path and text of its current key file. */
  const createdKeyFile = (): { path: string; text: string } => {
    const path = join(dir, `${LocalKms.open({ dir }).keyId}.key`);
    return { path, text: readFileSync(path, 'utf8').trim() };
  };

  /** The message LocalKms.open fails with; also checks it never quotes the key itself. */
  const refusal = (keyText?: string): string => {
    let message = 'no error';
    try {
      LocalKms.open({ dir });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    if (keyText !== undefined) expect(message).not.toContain(keyText);
    return message;
  };

  it('creates a directory and files that pass its own checks, whatever the umask', () => {
    const previous = process.umask(0o277);
    try {
      const kms = LocalKms.open({ dir });
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, `${kms.keyId}.key`)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'current')).mode & 0o777).toBe(0o600);
      const next = kms.createKey();
      expect(statSync(join(dir, `${next}.key`)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
    expect(LocalKms.open({ dir }).keyId).toBe(LocalKms.open({ dir }).keyId);
  });

  it.each([0o777, 0o755, 0o750, 0o500].map((mode) => [mode.toString(8), mode]))('refuses a pre-existing directory of mode 0%s', (_octal, mode) => {
    mkdirSync(dir);
    chmodSync(dir, mode);
    const message = refusal();
    expect(message).toContain(`key directory ${dir} has mode 0${mode.toString(8)} and owner uid ${uid}`);
    expect(message).toContain(`it must have mode 0700 and be owned by uid ${uid}`);
    expect(message).toContain('chmod 700');
  });

  it('refuses a directory that was loosened after the keys were made', () => {
    const { text } = createdKeyFile();
    chmodSync(dir, 0o755);
    expect(refusal(text)).toMatch(/has mode 0755 .* \(chmod 700\)$/);
  });

  it('refuses a path that is not a directory', () => {
    writeFileSync(dir, 'not a directory\n');
    expect(refusal()).toBe(`local KMS: key directory ${dir} is not a directory`);
  });

  it.each([0o644, 0o640, 0o400, 0o700].map((mode) => [mode.toString(8), mode]))('refuses a key file of mode 0%s, naming it but never quoting it', (_octal, mode) => {
    const { path, text } = createdKeyFile();
    chmodSync(path, mode);
    const message = refusal(text);
    expect(message).toContain(`${path} has mode 0${mode.toString(8)} and owner uid ${uid}`);
    expect(message).toContain('must have mode 0600');
    expect(message).toContain('chmod 600');
  });

  it('refuses a key file that is a symbolic link, even to a well-kept file', () => {
    const { path, text } = createdKeyFile();
    const elsewhere = join(root, 'elsewhere.key');
    copyFileSync(path, elsewhere);
    chmodSync(elsewhere, 0o600);
    unlinkSync(path);
    symlinkSync(elsewhere, path);
    expect(refusal(text)).toBe(`local KMS: ${path} is a symbolic link; files in the key directory must be regular files`);
  });

  it('refuses a current marker that is a symbolic link', () => {
    createdKeyFile();
    const marker = join(dir, 'current');
    const elsewhere = join(root, 'current');
    copyFileSync(marker, elsewhere);
    unlinkSync(marker);
    symlinkSync(elsewhere, marker);
    expect(refusal()).toMatch(/current is a symbolic link/);
  });

  it('refuses a key file that is not a regular file', () => {
    const { path } = createdKeyFile();
    unlinkSync(path);
    mkdirSync(path, { mode: 0o600 });
    expect(refusal()).toBe(`local KMS: ${path} is not a regular file`);
  });

  asRoot('refuses a directory owned by another user', () => {
    createdKeyFile();
    chownSync(dir, STRANGER_UID, STRANGER_UID);
    const message = refusal();
    expect(message).toContain(`key directory ${dir} has mode 0700 and owner uid ${STRANGER_UID}`);
    expect(message).toContain(`be owned by uid ${uid}, the user this service runs as (chown ${uid})`);
  });

  asRoot('refuses a key file owned by another user', () => {
    const { path, text } = createdKeyFile();
    chownSync(path, STRANGER_UID, STRANGER_UID);
    expect(refusal(text)).toContain(`${path} has mode 0600 and owner uid ${STRANGER_UID}`);
  });
});
