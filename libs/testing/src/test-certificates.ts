import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  readonly caFile: string;
  /** For 127.0.0.1 and localhost, usable by a server and as a client certificate. */
  readonly certFile: string;
  readonly keyFile: string;
}

const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * A throwaway CA and one certificate it signed, made with the openssl CLI into `dir` (P-256 keys, valid one
 * day), for TLS between a test's NATS server and its clients. Key files are 0600.
 */
export function createTestCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

  openssl([
    ...['req', '-x509', ...NEW_P256_KEY, '-keyout', path('ca.key'), '-out', path('ca.crt'), '-days', '1'],
    ...['-subj', '/CN=switchboard test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  openssl(['req', '-new', ...NEW_P256_KEY, '-keyout', path('nats.key'), '-out', path('nats.csr'), '-subj', '/CN=nats']);
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth,clientAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ];
  writeFileSync(path('nats.ext'), `${extensions.join('\n')}\n`);
  openssl([
    ...['x509', '-req', '-in', path('nats.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-CAcreateserial'],
    ...['-days', '1', '-extfile', path('nats.ext'), '-out', path('nats.crt')],
  ]);
  for (const key of ['ca.key', 'nats.key']) chmodSync(path(key), 0o600);
  return { caFile: path('ca.crt'), certFile: path('nats.crt'), keyFile: path('nats.key') };
}
