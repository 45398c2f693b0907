import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDataSource } from '@switchboard/event-store';
import { createKmsFromEnv } from '@switchboard/kms';
import { EnvelopeRow, tenantEnvelopes, tryOpenEnvelopes } from './shred-verification.js';

export const VERIFY_USAGE = `Tries to decrypt every stored secret of one tenant with credentials-service's own envelope code and KMS
backend, and reports, per envelope, whether it opened (never its value). After DELETE /v1/tenants/:id every one
must fail: point it at a backup restored into a scratch database to check that the backup is shredded too.

usage: node apps/credentials-service/dist/verify-shredding.js --tenant <tenantId> [--rows <file.jsonl>]

  --tenant <id>   the tenant
  --rows <file>   envelopes as JSON lines ({"table": "secret_versions" | "webhook_secrets", the table's columns,
                  bytea in base64}) instead of reading them from DATABASE_URL

Environment: DATABASE_URL (without --rows) and the service's KMS settings (KMS_BACKEND, KMS_LOCAL_DIR |
KMS_LOCAL_MASTER_KEY, KMS_KEY_ID, AWS_REGION, KMS_ENDPOINT). Prints one JSON object per envelope, then a summary.
Exit codes: 0 none opened, 1 some opened, 2 bad arguments or KMS unavailable.`;

/** Resolves to the exit code. */
export async function runVerifyShreddingCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, write: (line: string) => void): Promise<number> {
  let values: { tenant?: string; rows?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { tenant: { type: 'string' }, rows: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    write(`${(error as Error).message}\n\n${VERIFY_USAGE}`);
    return 2;
  }
  if (values.help) {
    write(VERIFY_USAGE);
    return 0;
  }
  const tenantId = values.tenant;
  if (tenantId === undefined || tenantId.trim() === '') {
    write(`--tenant is required\n\n${VERIFY_USAGE}`);
    return 2;
  }
  const rows = values.rows === undefined ? await rowsFromDatabase(env, tenantId) : rowsFromFile(values.rows, tenantId);
  const kms = createKmsFromEnv(env);
  try {
    const outcomes = await tryOpenEnvelopes(kms, rows);
    for (const outcome of outcomes) write(JSON.stringify(outcome));
    const opened = outcomes.filter((o) => o.outcome === 'opened').length;
    write(JSON.stringify({ tenantId, envelopes: outcomes.length, opened }));
    return opened === 0 ? 0 : 1;
  } finally {
    kms.close();
  }
}

function rowsFromFile(path: string, tenantId: string): EnvelopeRow[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => EnvelopeRow.parse(JSON.parse(line)))
    .filter((row) => row.tenant_id === tenantId);
}

async function rowsFromDatabase(env: Readonly<Record<string, string | undefined>>, tenantId: string): Promise<EnvelopeRow[]> {
  const db = createDataSource(env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard', { applicationName: 'credentials-verify-shredding', poolSize: 1 });
  await db.initialize();
  try {
    return await tenantEnvelopes(db, tenantId);
  } finally {
    await db.destroy();
  }
}
