import { z } from 'zod';
import { AwsKms } from './aws.kms.js';
import type { KmsPort } from './kms.port.js';
import { LocalKms } from './local.kms.js';
import { MASTER_KEY_BYTES } from './local-key.store.js';

// Compose files often pass `VAR=` for "unset".
const blankToUndefined = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const isMasterKey = (b64: string): boolean => {
  const raw = Buffer.from(b64, 'base64');
  const valid = raw.length === MASTER_KEY_BYTES && raw.toString('base64') === b64;
  raw.fill(0);
  return valid;
};

const KmsEnv = z
  .object({
    KMS_BACKEND: z.preprocess(blankToUndefined, z.enum(['local', 'aws']).default('local')),
    KMS_LOCAL_DIR: optional(z.string()),
    KMS_LOCAL_MASTER_KEY: optional(z.string().refine(isMasterKey, `must be standard base64 of ${MASTER_KEY_BYTES} bytes`)),
    KMS_KEY_ID: optional(z.string()),
    KMS_ENDPOINT: optional(z.url({ protocol: /^https?$/ })),
    AWS_REGION: z.preprocess(blankToUndefined, z.string().default('us-east-1')),
    KMS_TENANT_KEY_DELETION_DAYS: z.preprocess(blankToUndefined, z.coerce.number().int().min(7).max(30).default(7)),
  })
  .superRefine((env, ctx) => {
    if (env.KMS_BACKEND === 'aws' && env.KMS_KEY_ID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['KMS_KEY_ID'], message: 'is required when KMS_BACKEND=aws' });
    }
    if (env.KMS_BACKEND === 'local' && env.KMS_LOCAL_DIR !== undefined && env.KMS_LOCAL_MASTER_KEY !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['KMS_LOCAL_MASTER_KEY'], message: 'and KMS_LOCAL_DIR are exclusive; set one' });
    }
  });

/**
 * Builds the KMS port from the environment:
 * `KMS_BACKEND` local (default) | aws;
 * local: `KMS_LOCAL_DIR` (default `.switchboard/kms`) or `KMS_LOCAL_MASTER_KEY` (base64, 32 bytes);
 * aws: `KMS_KEY_ID` (required), `AWS_REGION` (default us-east-1), `KMS_ENDPOINT` (optional),
 * `KMS_TENANT_KEY_DELETION_DAYS` (7–30, default 7: the pending window of a deleted tenant's key),
 * credentials from the SDK's default chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, web identity, instance role).
 * Throws an Error naming every bad variable (never echoing values).
 */
export function createKmsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): KmsPort {
  const parsed = KmsEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid KMS configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  if (config.KMS_BACKEND === 'aws') {
    return new AwsKms({
      keyId: config.KMS_KEY_ID ?? '',
      region: config.AWS_REGION,
      tenantKeyDeletionDays: config.KMS_TENANT_KEY_DELETION_DAYS,
      ...(config.KMS_ENDPOINT !== undefined ? { endpoint: config.KMS_ENDPOINT } : {}),
    });
  }
  if (config.KMS_LOCAL_MASTER_KEY !== undefined) {
    const masterKey = Buffer.from(config.KMS_LOCAL_MASTER_KEY, 'base64');
    try {
      return LocalKms.open({ masterKey });
    } finally {
      masterKey.fill(0);
    }
  }
  return LocalKms.open(config.KMS_LOCAL_DIR !== undefined ? { dir: config.KMS_LOCAL_DIR } : {});
}
