/**
 * A minimal orchestrator: prints, per credential it receives, the agent and the NAMES of the variables its
 * container would get — never a value.
 *
 *   node libs/orchestrator-client/dist/example.js --generate-key <file>
 *       writes a fresh X25519 private key to <file> (mode 0600, never overwritten) and prints the public key
 *       to register with POST /v1/recipients
 *   node libs/orchestrator-client/dist/example.js --pin-issuer <gateway URL> --issuer-keys <file>
 *       fetches GET /v1/credential-issuer once and writes the keys to <file> (never overwritten): from then
 *       on only credentials signed with those keys are accepted, whatever the gateway says later
 *   node libs/orchestrator-client/dist/example.js --tenant <id> --recipient <id> --private-key-file <file> --issuer-keys <file>
 *       NATS_URL and SWITCHBOARD_NAMESPACE as for the services
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { busNamesFromEnv, connectNats, natsConfigFromEnv } from '@switchboard/messaging';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { createLogger } from '@switchboard/telemetry';
import { CredentialIssuerView } from '@switchboard/contracts';
import type { IssuerKey } from './credential-event.opener.js';
import { OrchestratorClient } from './orchestrator.client.js';

const USAGE = `usage: node libs/orchestrator-client/dist/example.js <mode> [-h | --help]

A minimal orchestrator: prints, per credential it receives, the agent and the NAMES of the variables its
container would get, never a value. Modes:
  --generate-key <file>
      writes a fresh X25519 private key to <file> (mode 0600, never overwritten) and prints the public key
      to register with POST /v1/recipients
  --pin-issuer <gateway URL> --issuer-keys <file>
      fetches GET /v1/credential-issuer once and writes the keys to <file> (never overwritten)
  --tenant <id> --recipient <id> --private-key-file <file> --issuer-keys <file>
      follows credential.issued for the tenant until SIGINT/SIGTERM

Environment (listening mode only): NATS_URL (default nats://127.0.0.1:4222), SWITCHBOARD_NAMESPACE and the
NATS_* credentials, as for the services. Exit codes: 0 done, 1 failed, 2 bad arguments.`;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

function generateKey(file: string): void {
  const pair = generateRecipientKeyPair();
  // 'wx': an existing key is never replaced, since the recipient registered with it would stop working.
  writeFileSync(file, `${pair.privateKey}\n`, { mode: 0o600, flag: 'wx' });
  out(`private key written to ${file} (mode 0600)`);
  out(`public key (register it: POST /v1/recipients {"name": "...", "publicKey": "..."}):`);
  out(pair.publicKey);
}

function readPrivateKey(file: string): string {
  if ((statSync(file).mode & 0o077) !== 0) err(`warning: ${file} is readable by others; chmod 600 it`);
  return readFileSync(file, 'utf8').trim();
}

/** Trust on first use, once: the keys are written where an operator can compare them with the deployment's. */
async function pinIssuer(gatewayUrl: string, file: string): Promise<void> {
  const res = await fetch(new URL('/v1/credential-issuer', gatewayUrl));
  if (!res.ok) throw new Error(`GET /v1/credential-issuer answered ${res.status}`);
  const view = CredentialIssuerView.parse(await res.json());
  writeFileSync(file, `${JSON.stringify(view, null, 2)}\n`, { flag: 'wx' });
  out(`pinned ${view.keys.map((k) => k.keyId).join(', ')} in ${file}`);
}

function readIssuerKeys(file: string): IssuerKey[] {
  return CredentialIssuerView.parse(JSON.parse(readFileSync(file, 'utf8'))).keys;
}

async function listen(tenantId: string, recipientId: string, keyFile: string, issuerFile: string): Promise<void> {
  const privateKey = readPrivateKey(keyFile);
  const issuerKeys = readIssuerKeys(issuerFile);
  const nc = await connectNats(natsConfigFromEnv('orchestrator-example'));
  const client = await OrchestratorClient.start({
    nc,
    names: busNamesFromEnv(),
    tenantId,
    recipient: { id: recipientId, privateKey },
    issuerKeys,
    logger: createLogger('orchestrator-example', { level: 'warn', write: err }),
    onCredential: (c) => {
      const names = Object.keys(c.environment).sort().join(' ');
      out(`credential agent=${c.agentId} start=${c.startId} delivery=${c.delivery} protocol=${c.provider.protocol} expires=${c.expiresAt}`);
      out(`  would set: ${names}`);
    },
    onDenied: (d) => out(`denied agent=${d.agentId} start=${d.startId} reason=${d.reason}`),
    onRefused: (r) => err(`refused ${r.reason} event=${r.eventId ?? '-'} start=${r.startId ?? '-'}`),
  });
  out(`listening for credentials of tenant ${tenantId} sealed to ${recipientId} (durables ${client.durablePrefix}_*)`);
  const stop = async () => {
    await client.stop();
    await nc.drain();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      'generate-key': { type: 'string' },
      tenant: { type: 'string' },
      recipient: { type: 'string' },
      'private-key-file': { type: 'string' },
      'pin-issuer': { type: 'string' },
      'issuer-keys': { type: 'string' },
    },
  }).values;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parseCommandLine>;
  try {
    values = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    err(`example: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) return out(USAGE);
  if (values['generate-key'] !== undefined) return generateKey(values['generate-key']);
  const { tenant, recipient } = values;
  const keyFile = values['private-key-file'];
  const issuerFile = values['issuer-keys'];
  if (values['pin-issuer'] !== undefined && issuerFile) return pinIssuer(values['pin-issuer'], issuerFile);
  if (!tenant || !recipient || !keyFile || !issuerFile) {
    err(USAGE);
    process.exitCode = 2;
    return;
  }
  await listen(tenant, recipient, keyFile, issuerFile);
}

main().catch((error: unknown) => {
  err(`orchestrator example failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
