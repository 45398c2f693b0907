import { readFileSync, statSync } from 'node:fs';
import type { ServiceName } from '@switchboard/contracts';
import { loadSigningKey } from './ed25519.js';
import { ServiceIdentity, type ServiceIdentityOptions } from './service-identity.js';
import { TrustedKeys } from './trusted-keys.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Why a file holding a secret must not be used, or null: a file others can write, or anyone can read, is refused
 * (whoever reads a service's key is the service). Group read stays allowed: Kubernetes secret volumes with an
 * fsGroup, compose secrets owned by a deploy group.
 */
export function secretFileProblem(path: string): string | null {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return `cannot read ${path}`;
  }
  if ((mode & 0o027) !== 0) return `${path} has mode ${(mode & 0o777).toString(8)}; make it 0600, 0640 or 0440 (no group write, nothing for others)`;
  return null;
}

function readPrivateFile(path: string, variable: string): string {
  const problem = secretFileProblem(path);
  if (problem !== null) throw new Error(`${variable}: ${problem}`);
  return readFileSync(path, 'utf8');
}

function readValue(env: Env, name: string, readFile: (path: string, variable: string) => string): string | null {
  const file = env[`${name}_FILE`];
  if (file) return readFile(file, `${name}_FILE`);
  const inline = env[name];
  return inline ? inline : null;
}

/**
 * The service's identity from the environment:
 * - `SWITCHBOARD_SERVICE_KEY_FILE` (a PKCS#8 PEM Ed25519 private key, mode 0600/0640) or `SWITCHBOARD_SERVICE_KEY` (the PEM itself);
 * - `SWITCHBOARD_TRUSTED_KEYS_FILE` or `SWITCHBOARD_TRUSTED_KEYS`: JSON, service name → base64 public keys.
 * Errors name the variables, never a key.
 */
export function serviceIdentityFromEnv(service: ServiceName, env: Env = process.env, options: ServiceIdentityOptions = {}): ServiceIdentity {
  const pem = readValue(env, 'SWITCHBOARD_SERVICE_KEY', readPrivateFile);
  if (pem === null) {
    throw new Error(`SWITCHBOARD_SERVICE_KEY_FILE (or SWITCHBOARD_SERVICE_KEY) must hold the ${service} service's Ed25519 private key (npm start creates one under .switchboard/service-keys)`);
  }
  const trustedText = readValue(env, 'SWITCHBOARD_TRUSTED_KEYS', (path, variable) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new Error(`${variable}: cannot read ${path}`);
    }
  });
  if (trustedText === null) {
    throw new Error('SWITCHBOARD_TRUSTED_KEYS_FILE (or SWITCHBOARD_TRUSTED_KEYS) must list the services\' public keys');
  }
  let trustedJson: unknown;
  try {
    trustedJson = JSON.parse(trustedText);
  } catch {
    throw new Error('SWITCHBOARD_TRUSTED_KEYS: not JSON');
  }
  let signing;
  try {
    signing = loadSigningKey(pem);
  } catch (error) {
    throw new Error(`SWITCHBOARD_SERVICE_KEY: ${(error as Error).message}`);
  }
  return new ServiceIdentity(service, signing, TrustedKeys.parse(trustedJson), options);
}
