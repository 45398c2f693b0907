import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, MockLlmUpstream, REPO_ROOT, Stack, deleteEventsStream, dumpDatabase, eventually, readStreamMessages, type StreamMessage } from '@switchboard/testing';

type Json = Record<string, unknown>;

interface Tenant {
  readonly id: string;
  readonly admin: ApiClient;
  readonly agentKey: string;
  readonly canary: string;
}

const run = promisify(execFile);
const bytes = (value: unknown): string => Buffer.from((value as { data: number[] }).data).toString('base64');

/**
 * Every wrapped secret of `tenantId` in a dump (dumpDatabase: `schema.table` then its rows as JSON, line by line), as the
 * JSON lines verify-shredding reads: the table's columns, bytea in base64.
 */
function envelopesIn(dump: string, tenantId: string): string[] {
  const lines = dump.split('\n');
  const found: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const table = lines[i]?.replace(/^credentials\./, '');
    if (table !== 'secret_versions' && table !== 'webhook_secrets') continue;
    for (const row of JSON.parse(lines[i + 1] ?? '[]') as Json[]) {
      if (row.tenant_id !== tenantId) continue;
      const ids = table === 'secret_versions' ? { secret_id: row.secret_id, version: row.version } : { id: row.id };
      const envelope = { wrapped_key: bytes(row.wrapped_key), kms_key_id: row.kms_key_id, iv: bytes(row.iv), ciphertext: bytes(row.ciphertext), tag: bytes(row.tag) };
      found.push(JSON.stringify({ table, tenant_id: tenantId, ...ids, ...envelope }));
    }
  }
  return found;
}

interface Verification {
  readonly kmsKeyIds: string[];
  readonly outcomes: string[];
}

/**
 * Crypto-shredding a tenant on one whole stack (local KMS backend, its key directory shared with this test): a dump and
 * the event stream taken before the deletion, opened afterwards with the service's own envelope code and KMS backend,
 * give back nothing of the deleted tenant, while the other tenant is served before, during and after.
 */
describe('DELETE /v1/tenants/:id destroys the tenant’s data keys at the KMS', () => {
  let kmsDir: string;
  let mock: MockLlmUpstream;
  let stack: Stack;
  let operator: ApiClient;
  let doomed: Tenant;
  let bystander: Tenant;
  let workDir: string;

  /**
   * Opens the envelopes with credentials-service's own decrypt path (envelope cipher and KMS backend, from the service's
   * KMS settings) in a process of its own, as an operator checking a restored backup would: verify-shredding.
   */
  async function verify(tenantId: string, rows: readonly string[]): Promise<Verification> {
    const file = join(workDir, `${tenantId}-${randomBytes(4).toString('hex')}.jsonl`);
    writeFileSync(file, rows.join('\n'));
    const env = { ...process.env, KMS_BACKEND: 'local', KMS_LOCAL_DIR: kmsDir };
    const tool = join(REPO_ROOT, 'apps/credentials-service/dist/verify-shredding.js');
    const done = await run(process.execPath, [tool, '--tenant', tenantId, '--rows', file], { env }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const lines = done.stdout.trim().split('\n').map((line) => JSON.parse(line) as Json);
    return {
      kmsKeyIds: rows.map((row) => String((JSON.parse(row) as Json).kms_key_id)),
      outcomes: lines.filter((line) => 'outcome' in line).map((line) => String(line.outcome)),
    };
  }

  async function tenantWithProvider(name: string): Promise<Tenant> {
    const canary = `sk-canary-${name}-${randomBytes(16).toString('hex')}`;
    const created = await operator.post<Json>('/v1/tenants', { name });
    const admin = new ApiClient(stack.gatewayUrl, created.body.adminKey as string);
    const provider = await admin.post<Json>('/v1/providers', { name: 'p', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: canary });
    expect(provider.status).toBe(201);
    expect((await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' })).status).toBe(201);
    expect((await admin.post<Json>('/v1/secrets', { name: 'spare', value: `${canary}-spare` })).status).toBe(201);
    const agent = await admin.post<Json>('/v1/agents', { name: 'a', providerId: provider.body.id });
    const agentKey = (await admin.post<Json>('/v1/keys', { name: 'agent', role: 'agent', agentId: agent.body.id })).body.key as string;
    return { id: created.body.id as string, admin, agentKey, canary };
  }

  const chat = (key: string): Promise<Response> =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'sb-shred-'));
    kmsDir = join(workDir, 'kms');
    mock = await new MockLlmUpstream().start();
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, kms: { backend: 'local', localDir: kmsDir } });
    operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
    doomed = await tenantWithProvider('doomed');
    bystander = await tenantWithProvider('bystander');
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('leaves nothing of the tenant decryptable, from a dump or the events taken before, and the other tenant unharmed', async () => {
    expect((await chat(doomed.agentKey)).status).toBe(200);
    expect((await chat(bystander.agentKey)).status).toBe(200);

    const dumpBefore = await dumpDatabase(stack.databaseUrl);
    const eventsBefore = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(doomed.id, '>')),
      (msgs) => msgs.some((m) => m.data.type === 'secret.created'),
    );
    const doomedEnvelopes = envelopesIn(dumpBefore, doomed.id);
    const bystanderEnvelopes = envelopesIn(dumpBefore, bystander.id);
    // The provider's key and the spare secret.
    expect(doomedEnvelopes).toHaveLength(2);
    const before = await verify(doomed.id, doomedEnvelopes);
    // Each tenant's data keys are wrapped by its own KMS key, the one deletion destroys; before it, they all open.
    expect(new Set(before.kmsKeyIds)).toEqual(new Set([`tenant-${doomed.id}`]));
    expect(before.outcomes).toEqual(['opened', 'opened']);

    const nonOperator = await doomed.admin.delete(`/v1/tenants/${bystander.id}`);
    expect(nonOperator.status).toBe(403);

    // The other tenant's calls go on while the deletion runs.
    const during = Array.from({ length: 6 }, () => chat(bystander.agentKey).then((r) => r.status));
    const deleted = await operator.delete<Json>(`/v1/tenants/${doomed.id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body).toEqual({ id: doomed.id, keyDeletionDate: expect.any(String) });
    expect(await Promise.all(during)).toEqual([200, 200, 200, 200, 200, 200]);

    // From the dump taken before, with the KMS state after: every wrapped secret of the tenant fails; the other's open.
    const [doomedAfter, bystanderAfter] = await Promise.all([verify(doomed.id, doomedEnvelopes), verify(bystander.id, bystanderEnvelopes)]);
    expect(doomedAfter.outcomes).toEqual(['kms_key_not_found', 'kms_key_not_found']);
    expect(bystanderAfter.outcomes).toEqual(['opened', 'opened']);

    // The events hold no wrapped key, ciphertext or value of any kind: nothing there to decrypt.
    const envelopeFields = /"(wrappedKey|wrapped_key|ciphertext|plaintext|value|apiKey)"/;
    expect(eventsBefore.filter((m) => envelopeFields.test(m.raw)).map((m) => m.data.type)).toEqual([]);

    const tenantDeleted = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(doomed.id, 'tenant.deleted')),
      (msgs) => msgs.length === 1,
    );
    expect(tenantDeleted[0]?.data).toMatchObject({ type: 'tenant.deleted', tenantId: doomed.id, kmsKeyId: `tenant-${doomed.id}` });
    // Its secrets are deleted as by hand: gateways drop the provider keys they held in memory for it.
    expect(await readStreamMessages(stack.names, stack.names.event(doomed.id, 'secret.deleted'))).toHaveLength(2);

    // The deleted tenant: its keys are refused, its resources not found, and a second DELETE finds nothing.
    expect((await chat(doomed.agentKey)).status).toBe(401);
    expect((await doomed.admin.get('/v1/providers')).status).toBe(401);
    expect((await operator.get(`/v1/tenants/${doomed.id}/quotas`)).status).toBe(404);
    expect((await operator.delete(`/v1/tenants/${doomed.id}`)).status).toBe(404);
    expect((await operator.delete(`/v1/tenants/ten_${'0'.repeat(20)}`)).status).toBe(404);

    // The other tenant is unharmed.
    expect((await chat(bystander.agentKey)).status).toBe(200);
    expect((await bystander.admin.get('/v1/providers')).status).toBe(200);
    expect((await operator.get(`/v1/tenants/${bystander.id}/quotas`)).status).toBe(200);

    // No envelope of the tenant is left in the database; the canary keys appear in no table, event or log line.
    const dumpAfter = await dumpDatabase(stack.databaseUrl);
    expect(envelopesIn(dumpAfter, doomed.id)).toEqual([]);
    const everyEvent: StreamMessage[] = await readStreamMessages(stack.names);
    for (const canary of [doomed.canary, bystander.canary]) {
      for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')]) {
        expect(dumpBefore).not.toContain(form);
        expect(dumpAfter).not.toContain(form);
        expect(everyEvent.some((m) => m.raw.includes(form))).toBe(false);
        expect(stack.output()).not.toContain(form);
      }
    }
  });
});
