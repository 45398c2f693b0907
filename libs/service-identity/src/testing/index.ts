import { SERVICE_NAMES, type ServiceName } from '@switchboard/contracts';
import { generateServiceKeyPair, loadSigningKey, type ServiceKeyPair } from '../ed25519.js';
import { ServiceIdentity, type ServiceIdentityOptions } from '../service-identity.js';
import { TrustedKeys } from '../trusted-keys.js';

/** One key pair per service, made once per test process, and the trust list naming them all. */
export interface TestIdentities {
  readonly keys: Readonly<Record<ServiceName, ServiceKeyPair>>;
  readonly trusted: TrustedKeys;
  /** A fresh identity object (its own replay window) for the service. */
  identity(service: ServiceName, options?: ServiceIdentityOptions): ServiceIdentity;
  /** The variables a service process reads its identity from. */
  env(service: ServiceName): Record<string, string>;
}

let shared: TestIdentities | null = null;

export function testIdentities(): TestIdentities {
  if (shared !== null) return shared;
  const keys = Object.fromEntries(SERVICE_NAMES.map((s) => [s, generateServiceKeyPair()])) as Record<ServiceName, ServiceKeyPair>;
  const trustJson = Object.fromEntries(SERVICE_NAMES.map((s) => [s, [keys[s].publicKey]]));
  const trusted = TrustedKeys.parse(trustJson);
  shared = {
    keys,
    trusted,
    identity: (service, options) => new ServiceIdentity(service, loadSigningKey(keys[service].privateKeyPem), trusted, options),
    env: (service) => ({ SWITCHBOARD_SERVICE_KEY: keys[service].privateKeyPem, SWITCHBOARD_TRUSTED_KEYS: JSON.stringify(trustJson) }),
  };
  return shared;
}

/** An identity whose key no service trusts, under any service name: what a process merely on the bus can make. */
export function untrustedIdentity(service: ServiceName, options?: ServiceIdentityOptions): ServiceIdentity {
  const own = generateServiceKeyPair();
  const trust = TrustedKeys.parse({ ...testIdentities().trusted.toJSON(), [service]: [own.publicKey] });
  return new ServiceIdentity(service, loadSigningKey(own.privateKeyPem), trust, options);
}
