import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@switchboard/contracts';
import { generateServiceKeyPair, loadSigningKey } from './ed25519.js';

export const TRUSTED_KEYS_FILE = 'trusted-keys.json';

export const keyFileOf = (dir: string, service: ServiceName): string => join(dir, `${service}.pem`);
const retiringFileOf = (dir: string, service: ServiceName): string => join(dir, `${service}.previous.pem`);

function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readTrust(dir: string): Record<string, string[]> {
  const path = join(dir, TRUSTED_KEYS_FILE);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string[]>) : {};
}

function writeTrust(dir: string, trust: Record<string, string[]>): void {
  writeFileSync(join(dir, TRUSTED_KEYS_FILE), `${JSON.stringify(trust, null, 2)}\n`, { mode: 0o644 });
}

/**
 * Creates whatever is missing under `dir` (mode 0700): one private key per service (`<service>.pem`, 0600) and
 * the trust list every service reads (`trusted-keys.json`), which always lists each service's current key.
 * Returns the services whose key was created now.
 */
export function ensureServiceKeyFiles(dir: string): ServiceName[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const trust = readTrust(dir);
  const created: ServiceName[] = [];
  for (const service of SERVICE_NAMES) {
    const file = keyFileOf(dir, service);
    if (!existsSync(file)) {
      writePrivate(file, generateServiceKeyPair().privateKeyPem);
      created.push(service);
    }
    const { publicKey } = loadSigningKey(readFileSync(file, 'utf8'));
    const listed = trust[service] ?? [];
    if (!listed.includes(publicKey)) trust[service] = [...listed, publicKey];
  }
  writeTrust(dir, trust);
  return created;
}

/**
 * Step one of a rotation: the current key becomes `<service>.previous.pem`, a new one takes its place, and the
 * trust list names both. Every service must read the new trust list before the rotated one starts with its
 * new key; `retireServiceKey` is step two.
 */
export function rotateServiceKey(dir: string, service: ServiceName): string {
  const file = keyFileOf(dir, service);
  if (!existsSync(file)) throw new Error(`${file} does not exist: run init first`);
  if (existsSync(retiringFileOf(dir, service))) throw new Error(`${service} is already rotating: retire its previous key first`);
  renameSync(file, retiringFileOf(dir, service));
  const next = generateServiceKeyPair();
  writePrivate(file, next.privateKeyPem);
  const trust = readTrust(dir);
  trust[service] = [...(trust[service] ?? []), next.publicKey];
  writeTrust(dir, trust);
  return next.keyId;
}

/** Step two: only the current key stays trusted, and the previous private key is deleted. */
export function retireServiceKey(dir: string, service: ServiceName): void {
  const { publicKey } = loadSigningKey(readFileSync(keyFileOf(dir, service), 'utf8'));
  const trust = readTrust(dir);
  trust[service] = [publicKey];
  writeTrust(dir, trust);
  rmSync(retiringFileOf(dir, service), { force: true });
}
