import { accessSync, constants, readFileSync } from 'node:fs';
import { nkeyAuthenticator, nkeys, usernamePasswordAuthenticator } from '@nats-io/transport-node';
import type { Authenticator } from '@nats-io/transport-node';
import { secretFileProblem } from '@switchboard/service-identity';

export type Env = Readonly<Record<string, string | undefined>>;

/** A NATS setting in the environment is wrong; the message names the variable and never holds a secret. */
export class NatsConfigError extends Error {
  override readonly name = 'NatsConfigError';
  readonly code = 'nats_config_invalid';

  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

export interface NatsAuth {
  /** NATS_USER, or the public key of the nkey seed: who the server sees, safe to log. */
  readonly user: string;
  /** The secret lives in this closure only, so a logged or serialised config shows no password or seed. */
  readonly authenticator: Authenticator;
}

/** Paths, handed to nats.js as they are (it reads them on every connect, so a renewed certificate is picked up). */
export interface NatsTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export const DEFAULT_INBOX_PREFIX = '_INBOX';

/** Subject tokens without wildcards or spaces: what an inbox prefix (and a permission on it) can name. */
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE, or NATS_NKEY_SEED_FILE (a user seed, `SU…`); none of them:
 * an anonymous connection, as on a development machine. Exactly one way must be configured.
 */
export function natsAuthFromEnv(env: Env): NatsAuth | undefined {
  const user = env['NATS_USER'] || undefined;
  const inline = env['NATS_PASSWORD'] || undefined;
  const passwordFile = env['NATS_PASSWORD_FILE'] || undefined;
  const seedFile = env['NATS_NKEY_SEED_FILE'] || undefined;

  if (seedFile !== undefined) {
    if (user !== undefined || inline !== undefined || passwordFile !== undefined) {
      throw new NatsConfigError('NATS_NKEY_SEED_FILE', 'set either an nkey seed or NATS_USER with a password, not both');
    }
    return nkeyAuth(seedFile);
  }
  if (inline !== undefined && passwordFile !== undefined) {
    throw new NatsConfigError('NATS_PASSWORD_FILE', 'set NATS_PASSWORD or NATS_PASSWORD_FILE, not both');
  }
  if (user === undefined) {
    if (inline !== undefined || passwordFile !== undefined) throw new NatsConfigError('NATS_USER', 'a NATS password is set but no NATS_USER');
    return undefined;
  }
  const password = passwordFile !== undefined ? firstLine(readSecretFile(passwordFile, 'NATS_PASSWORD_FILE')) : inline;
  if (!password) throw new NatsConfigError('NATS_PASSWORD_FILE', `NATS_USER is set; NATS_PASSWORD_FILE (or NATS_PASSWORD) must hold its password`);
  return { user, authenticator: usernamePasswordAuthenticator(user, password) };
}

function nkeyAuth(path: string): NatsAuth {
  const seed = new TextEncoder().encode(firstLine(readSecretFile(path, 'NATS_NKEY_SEED_FILE')));
  let publicKey: string;
  try {
    publicKey = nkeys.fromSeed(seed).getPublicKey();
  } catch {
    throw new NatsConfigError('NATS_NKEY_SEED_FILE', `${path} does not hold an nkey seed`);
  }
  if (!publicKey.startsWith('U')) throw new NatsConfigError('NATS_NKEY_SEED_FILE', `${path} holds an nkey seed, but not a user's (SU…)`);
  return { user: publicKey, authenticator: nkeyAuthenticator(seed) };
}

/**
 * NATS_TLS_CA_FILE (to verify the servers), NATS_TLS_CERT_FILE with NATS_TLS_KEY_FILE (a client certificate,
 * for servers that verify clients). TLS is required as soon as one is set or a server URL is `tls://`;
 * without a CA file the servers are verified against the system's CAs.
 */
export function natsTlsFromEnv(env: Env, tlsUrl: boolean): NatsTlsFiles | undefined {
  const caFile = env['NATS_TLS_CA_FILE'] || undefined;
  const certFile = env['NATS_TLS_CERT_FILE'] || undefined;
  const keyFile = env['NATS_TLS_KEY_FILE'] || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new NatsConfigError(certFile === undefined ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE', 'a client certificate needs both NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE');
  }
  if (caFile === undefined && certFile === undefined && !tlsUrl) return undefined;
  if (caFile !== undefined) checkReadable(caFile, 'NATS_TLS_CA_FILE');
  if (certFile !== undefined) checkReadable(certFile, 'NATS_TLS_CERT_FILE');
  if (keyFile !== undefined) checkPrivate(keyFile, 'NATS_TLS_KEY_FILE');
  return { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) };
}

/** NATS_INBOX_PREFIX, e.g. `_INBOX_usage`: replies to this service's requests arrive under it (default `_INBOX`). */
export function natsInboxPrefixFromEnv(env: Env): string | undefined {
  const prefix = env['NATS_INBOX_PREFIX'] || undefined;
  if (prefix !== undefined && !SUBJECT_PREFIX.test(prefix)) {
    throw new NatsConfigError('NATS_INBOX_PREFIX', `"${prefix}" is not a subject prefix (letters, digits, _ and - in dot-separated tokens, no wildcards)`);
  }
  return prefix;
}

/**
 * A secret file others can write, or anyone can read, is refused (as the service identity key is): group read
 * stays allowed for Kubernetes secret volumes with an fsGroup and compose secrets owned by a deploy group.
 */
function readSecretFile(path: string, variable: string): string {
  checkPrivate(path, variable);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new NatsConfigError(variable, `cannot read ${path}`);
  }
}

function checkPrivate(path: string, variable: string): void {
  const problem = secretFileProblem(path);
  if (problem !== null) throw new NatsConfigError(variable, problem);
}

function checkReadable(path: string, variable: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new NatsConfigError(variable, `cannot read ${path}`);
  }
}

/** Secret files usually end with a newline that is not part of the secret. */
function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}
