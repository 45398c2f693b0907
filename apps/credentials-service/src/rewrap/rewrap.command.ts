import { parseArgs } from 'node:util';
import { createDataSource } from '@switchboard/event-store';
import { createKmsFromEnv, LocalKms, type KmsPort } from '@switchboard/kms';
import { SCHEMA } from '../read-models/credentials.migrations.js';
import { rewrapDataKeys } from './data-key.rewrap.js';

export const REWRAP_USAGE = `Re-wraps every data key of credentials-service with KMS ReEncrypt: service keys under one KMS key, each
tenant's secrets and webhook secrets under that tenant's own key (made for tenants without one yet: this is
how secrets written before tenant keys existed become crypto-shreddable). No data key and no secret value
ever leaves KMS in plaintext. Resumable: an interrupted run leaves each row wholly under its old or its new
key; run it again to finish.

usage: node apps/credentials-service/dist/rewrap-keys.js [--to <kmsKeyId> | --new-local-key]

  --to <kmsKeyId>    the key to move to (aws: a key ARN; an alias works, and is resolved to the ARN KMS returns)
  --new-local-key    local backend only: create a new master key in KMS_LOCAL_DIR, make it current, move to it
  (neither)          the backend's current key: KMS_KEY_ID for aws, the directory's current key for local

Environment: DATABASE_URL, and the service's KMS settings (KMS_BACKEND, KMS_LOCAL_DIR | KMS_LOCAL_MASTER_KEY,
KMS_KEY_ID, AWS_REGION, KMS_ENDPOINT). After --new-local-key, restart the service replicas (they read the current
key at start), then run this again without options to move rows written in between.`;

export type RewrapTarget = { readonly kind: 'key'; readonly keyId: string } | { readonly kind: 'new-local-key' } | { readonly kind: 'current' };
export type RewrapArgs = { readonly help: true } | { readonly help: false; readonly target: RewrapTarget };

/** Throws an Error with a usage message on bad arguments. */
export function parseRewrapArgs(argv: readonly string[]): RewrapArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { to: { type: 'string' }, 'new-local-key': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  if (values.to !== undefined && values['new-local-key']) throw new Error('--to and --new-local-key are exclusive');
  if (values.to !== undefined) {
    if (values.to.trim() === '') throw new Error('--to needs a key id');
    return { help: false, target: { kind: 'key', keyId: values.to } };
  }
  return { help: false, target: values['new-local-key'] ? { kind: 'new-local-key' } : { kind: 'current' } };
}

export interface RewrapIo {
  readonly write: (line: string) => void;
  /** Aborting stops after the batch in flight (the CLI wires SIGINT/SIGTERM to it). */
  readonly signal?: AbortSignal;
}

function resolveTarget(kms: KmsPort, target: RewrapTarget): string {
  switch (target.kind) {
    case 'key':
      return target.keyId;
    case 'current':
      return kms.keyId;
    case 'new-local-key':
      if (!(kms instanceof LocalKms)) throw new Error('--new-local-key needs KMS_BACKEND=local; for aws create the key in KMS and pass --to <arn>');
      return kms.createKey();
  }
}

/** The whole command; resolves to the process exit code (0: every row is under the target key). */
export async function runRewrapCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: RewrapIo): Promise<number> {
  let args: RewrapArgs;
  try {
    args = parseRewrapArgs(argv);
  } catch (error) {
    io.write(`${error instanceof Error ? error.message : String(error)}\n\n${REWRAP_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.write(REWRAP_USAGE);
    return 0;
  }
  const kms = createKmsFromEnv(env);
  const db = createDataSource(env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard', { applicationName: 'credentials-rewrap', poolSize: 2 });
  try {
    await db.initialize();
    const tables: unknown[] = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'secret_versions'`, [SCHEMA]);
    if (tables.length === 0) {
      io.write(`no ${SCHEMA}.secret_versions table in this database: has credentials-service ever started against it?`);
      return 1;
    }
    const target = resolveTarget(kms, args.target);
    io.write(`re-wrapping data keys under ${target} (${kms.backend} KMS)`);
    const report = await rewrapDataKeys(db, kms, target, {
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      onProgress: ({ done, total, failed }) => io.write(`rewrapped ${done}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`),
      onRowFailure: (message) => io.write(`could not rewrap ${message}`),
    });
    if (report.interrupted) {
      io.write(`interrupted after ${report.done}/${report.total}; run again to resume`);
      return 130;
    }
    if (report.failed > 0) {
      io.write(`done with ${report.failed} row(s) that do not open under their context: they stay under their old key`);
      return 1;
    }
    io.write(report.total === 0 ? `nothing to rewrap: every data key is under ${report.target}` : `done: ${report.done}/${report.total} under ${report.target}`);
    return 0;
  } finally {
    kms.close();
    if (db.isInitialized) await db.destroy();
  }
}
