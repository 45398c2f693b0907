import { randomBytes } from 'node:crypto';
import { CredentialsOps, newId } from '@switchboard/contracts';
import { decryptSecret, encryptSecret, LocalKms, type KmsContext } from '@switchboard/kms';
import { generateRecipientKeyPair, sealForTransport } from '@switchboard/sealing';
import { secretContext } from '../secrets/secret-versions.repository.js';
import { serviceKeyContext } from '../service-keys/service-keys.repository.js';
import { adminOf, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';
import { runRewrapCommand } from './rewrap.command.js';

/** Rows written straight into secret_versions, so the run spans several batches of 100. */
const BULK_ROWS = 200;

let stack: TestStack;
let env: Record<string, string>;

interface EnvelopeRow {
  table: string;
  context: KmsContext;
  kms_key_id: string;
  wrapped_key: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

async function allEnvelopes(): Promise<EnvelopeRow[]> {
  const secrets = await stack.query<Omit<EnvelopeRow, 'table' | 'context'> & { tenant_id: string; secret_id: string; version: number }>(
    'SELECT tenant_id, secret_id, version, kms_key_id, wrapped_key, iv, ciphertext, tag FROM credentials.secret_versions',
  );
  const keys = await stack.query<Omit<EnvelopeRow, 'table' | 'context'> & { name: string }>(
    'SELECT name, kms_key_id, wrapped_key, iv, ciphertext, tag FROM credentials.service_keys',
  );
  return [
    ...secrets.map((r) => ({ ...r, table: 'secret_versions', context: secretContext(r.tenant_id, r.secret_id, r.version) })),
    ...keys.map((r) => ({ ...r, table: 'service_keys', context: serviceKeyContext(r.name) })),
  ];
}

async function run(argv: string[], stopAfterFirstBatch = false): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const controller = new AbortController();
  const code = await runRewrapCommand(argv, env, {
    write: (line) => {
      lines.push(line);
      // Like a Ctrl-C during the first batch: the batch finishes, the run stops.
      if (stopAfterFirstBatch && line.startsWith('rewrapped ')) controller.abort();
    },
    signal: controller.signal,
  });
  return { code, lines };
}

beforeAll(async () => {
  stack = await startTestStack();
  env = { DATABASE_URL: stack.databaseUrl, KMS_BACKEND: 'local', KMS_LOCAL_DIR: stack.kmsDir ?? '' };
});

afterAll(async () => {
  await stack?.stop();
});

describe('rewrap-keys', () => {
  it('moves service keys under a new KMS key and every tenant’s secrets under its own key, resumes after an interruption, and everything still decrypts', async () => {
    const admin = adminOf(newTenantId());
    const transportKey = await transportKeyOf(stack.bus);
    const sealedValue = sealForTransport({ value: 'sk-rewrapped-0123456789' }, transportKey, { purpose: 'secret.create', tenantId: admin.tenantId ?? '', subject: 'kept' });
    const kept = value(await stack.bus.send(CredentialsOps.createSecret, { actor: admin, name: 'kept', sealedValue }));
    // Rows as they were written before tenant keys existed: under the service's key.
    for (let i = 0; i < BULK_ROWS; i++) {
      const tenantId = newTenantId();
      const secretId = newId('secret');
      const envelope = await encryptSecret(stack.kms, Buffer.from(`bulk-${i}`), secretContext(tenantId, secretId, 1));
      await stack.query(
        `INSERT INTO credentials.secret_versions (tenant_id, secret_id, version, kind, wrapped_key, kms_key_id, iv, ciphertext, tag, created_at)
         VALUES ($1, $2, 1, 'api_key', $3, $4, $5, $6, $7, now())`,
        [tenantId, secretId, envelope.wrappedKey, envelope.kmsKeyId, envelope.iv, envelope.ciphertext, envelope.tag],
      );
    }
    const before = await allEnvelopes();
    expect(before).toHaveLength(BULK_ROWS + 1 + 2);
    const oldKey = stack.kms.keyId;
    // The secret written through the service is under its tenant's key already; it is not moved.
    const keptTenantKey = `tenant-${admin.tenantId}`;
    expect(before.filter((r) => r.kms_key_id !== oldKey).map((r) => r.kms_key_id)).toEqual([keptTenantKey]);
    const total = BULK_ROWS + 2;

    const interrupted = await run(['--new-local-key'], true);
    expect(interrupted.code).toBe(130);
    const newKey = /under (\S+)/.exec(interrupted.lines[0] ?? '')?.[1] ?? '';
    expect(newKey).toMatch(/^local-/);
    expect(newKey).not.toBe(oldKey);
    expect(interrupted.lines).toContain(`rewrapped 100/${total}`);
    expect(interrupted.lines.at(-1)).toBe(`interrupted after 100/${total}; run again to resume`);
    const halfway = await allEnvelopes();
    expect(halfway.filter((r) => r.table === 'secret_versions' && r.kms_key_id === `tenant-${r.context['tenantId']}`)).toHaveLength(100 + 1);

    const resumed = await run([]);
    expect(resumed.code).toBe(0);
    expect(resumed.lines).toContain(`rewrapped 100/${total - 100}`);
    expect(resumed.lines.at(-1)).toBe(`done: ${total - 100}/${total - 100} under ${newKey}`);

    const after = await allEnvelopes();
    for (const row of after) expect(row.kms_key_id).toBe(row.table === 'service_keys' ? newKey : `tenant-${row.context['tenantId']}`);
    const verifier = LocalKms.open({ dir: stack.kmsDir ?? '' });
    for (const row of after) {
      const old = before.find((b) => b.table === row.table && JSON.stringify(b.context) === JSON.stringify(row.context));
      // Only the wrapped data key changed; the value's ciphertext is the same bytes.
      expect(row.ciphertext.equals(old?.ciphertext ?? Buffer.alloc(0))).toBe(true);
      expect(row.wrapped_key.equals(old?.wrapped_key ?? Buffer.alloc(0))).toBe(row.kms_key_id === keptTenantKey);
      const envelope = { wrappedKey: row.wrapped_key, kmsKeyId: row.kms_key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag };
      const plaintext = await decryptSecret(verifier, envelope, row.context);
      expect(plaintext.length).toBeGreaterThan(0);
      plaintext.fill(0);
    }
    verifier.close();

    // The running service opens rewrapped rows too (it finds the new key file on first use).
    const revealed = await stack.bus.send(CredentialsOps.revealSecret, { actor: admin, id: kept.id, replyKey: generateRecipientKeyPair().publicKey });
    expect(value(revealed).version).toBe(1);

    const again = await run(['--to', newKey]);
    expect(again).toEqual({ code: 0, lines: [`re-wrapping data keys under ${newKey} (local KMS)`, `nothing to rewrap: every data key is under ${newKey}`] });
  });

  it('reports a row that does not open, leaves it as it was, and rewraps the rest', async () => {
    const tenantId = newTenantId();
    const secretId = newId('secret');
    const envelope = await encryptSecret(stack.kms, Buffer.from(randomBytes(8)), secretContext(tenantId, secretId, 1));
    // Stored under another tenant than the one it was sealed for: its context no longer matches.
    await stack.query(
      `INSERT INTO credentials.secret_versions (tenant_id, secret_id, version, kind, wrapped_key, kms_key_id, iv, ciphertext, tag, created_at)
       VALUES ($1, $2, 1, 'api_key', $3, $4, $5, $6, $7, now())`,
      [newTenantId(), secretId, envelope.wrappedKey, envelope.kmsKeyId, envelope.iv, envelope.ciphertext, envelope.tag],
    );
    const keyOfRow = async () => (await stack.query<{ kms_key_id: string }>('SELECT kms_key_id FROM credentials.secret_versions WHERE secret_id = $1', [secretId]))[0];
    const before = await keyOfRow();
    const result = await run(['--new-local-key']);
    expect(result.code).toBe(1);
    expect(result.lines).toContain(`could not rewrap secret_versions ${secretId}/1: kms_decrypt_failed`);
    expect(await keyOfRow()).toEqual(before);
    const others = await stack.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM credentials.secret_versions WHERE secret_id <> $1 AND kms_key_id <> 'tenant-' || tenant_id`,
      [secretId],
    );
    expect(others[0]?.n).toBe(0);
  });
});
