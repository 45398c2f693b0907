import { z } from 'zod';

/** Nest injection tokens for values that are not classes. */
export const KMS = Symbol('KMS');
export const CREDENTIALS_SETTINGS = Symbol('CREDENTIALS_SETTINGS');

export interface CredentialsSettings {
  /** The gateway's base URL, without a trailing slash; `proxy` credentials point agents at `<publicUrl>/v1`. */
  readonly publicUrl: string;
  /** Lifetime of an issued credential and of the agent key issued with it. */
  readonly credentialTtlSeconds: number;
}

export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';
export const DEFAULT_CREDENTIAL_TTL_SECONDS = 86_400;
const MAX_CREDENTIAL_TTL_SECONDS = 30 * 86_400;

// Compose files often pass `VAR=` for "unset".
const blankToUndefined = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const SettingsEnv = z.object({
  SWITCHBOARD_PUBLIC_URL: z.preprocess(
    blankToUndefined,
    z.url({ protocol: /^https?$/ }).default(DEFAULT_PUBLIC_URL),
  ),
  SWITCHBOARD_CREDENTIAL_TTL_SECONDS: z.preprocess(
    blankToUndefined,
    z.coerce.number().int().min(60).max(MAX_CREDENTIAL_TTL_SECONDS).default(DEFAULT_CREDENTIAL_TTL_SECONDS),
  ),
});

/** Reads `SWITCHBOARD_PUBLIC_URL` and `SWITCHBOARD_CREDENTIAL_TTL_SECONDS`; throws naming every bad variable. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): CredentialsSettings {
  const parsed = SettingsEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid credentials-service configuration: ${problems.join('; ')}`);
  }
  return {
    publicUrl: parsed.data.SWITCHBOARD_PUBLIC_URL.replace(/\/+$/, ''),
    credentialTtlSeconds: parsed.data.SWITCHBOARD_CREDENTIAL_TTL_SECONDS,
  };
}
