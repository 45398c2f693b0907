import { chmodSync, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, writeSync, type Stats } from 'node:fs';

/**
 * File access for the local KMS key directory. Whoever can read a master key opens every secret it wraps, and
 * whoever can write the directory can plant a key or a marker of their choosing, so the directory must be the
 * service user's alone (0700) and every file read from it a regular file of that user's with mode 0600.
 * Anything else is refused with what was found and what is required; the checks never print file contents.
 */
export const KEY_DIRECTORY_MODE = 0o700;
export const KEY_FILE_MODE = 0o600;

// O_NONBLOCK: a FIFO planted as a key file must not hang startup before fstat can refuse it.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates the directory (0700) when missing, then refuses it unless it is 0700 and the service user's. */
export function openKeyDirectory(dir: string): void {
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true, mode: KEY_DIRECTORY_MODE });
  } catch (error) {
    // Something other than a directory is there: said below, in the same words as every other refusal.
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  // mkdir's mode passes through the umask; set it exactly so a directory made here passes its own check.
  if (created !== undefined) chmodSync(dir, KEY_DIRECTORY_MODE);
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw new Error(`local KMS: key directory ${dir} is not a directory`);
  const problem = ownershipProblem(stats, KEY_DIRECTORY_MODE);
  if (problem !== null) throw new Error(`local KMS: key directory ${dir} ${problem}`);
}

/** The file's text, or undefined when it does not exist; refuses links, non-regular files and loose modes or owners. */
export function readPrivateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    // O_NOFOLLOW fails with ELOOP on Linux and macOS, EMLINK on FreeBSD.
    if (isErrno(error, 'ELOOP') || isErrno(error, 'EMLINK')) {
      throw new Error(`local KMS: ${path} is a symbolic link; files in the key directory must be regular files`);
    }
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`local KMS: ${path} is not a regular file`);
    const problem = ownershipProblem(stats, KEY_FILE_MODE);
    if (problem !== null) throw new Error(`local KMS: ${path} ${problem}`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes a new file with mode 0600 exactly (not left to the umask); fails if the path exists, even as a link. */
export function createPrivateFile(path: string, text: string): void {
  const fd = openSync(path, CREATE_FLAGS, KEY_FILE_MODE);
  try {
    fchmodSync(fd, KEY_FILE_MODE);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** What is wrong with the owner or permission bits, with the commands that fix it, or null. */
function ownershipProblem(stats: Stats, mode: number): string | null {
  const uid = serviceUid();
  const found = stats.mode & 0o777;
  if (found === mode && stats.uid === uid) return null;
  const fixes = [...(stats.uid === uid ? [] : [`chown ${uid}`]), ...(found === mode ? [] : [`chmod ${mode.toString(8)}`])];
  return (
    `has mode ${octal(found)} and owner uid ${stats.uid}; it must have mode ${octal(mode)} and be owned by uid ${uid}, ` +
    `the user this service runs as (${fixes.join(', ')})`
  );
}

function serviceUid(): number {
  const uid = process.getuid?.();
  if (uid === undefined) throw new Error('local KMS: a key directory needs POSIX owners and modes; on this platform use KMS_LOCAL_MASTER_KEY');
  return uid;
}

const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`;

// Structural, not instanceof: errors from node internals may come from another realm (vm, jest).
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
