import { isAbsolute, join } from 'node:path';
import { ConfigError } from './config.errors.js';

/** `${env:NAME}` or `${file:path}`: how a file names a secret without holding it. */
export type SecretReference = { readonly source: 'env'; readonly name: string } | { readonly source: 'file'; readonly path: string };

const REFERENCE = /^\$\{(env|file):([^}]+)\}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseSecretReference(text: string): SecretReference | null {
  const match = REFERENCE.exec(text);
  if (!match) return null;
  const [, source, rest] = match as unknown as [string, 'env' | 'file', string];
  if (source === 'env') return ENV_NAME.test(rest) ? { source, name: rest } : null;
  return { source, path: rest };
}

export function formatSecretReference(reference: SecretReference): string {
  return reference.source === 'env' ? `\${env:${reference.name}}` : `\${file:${reference.path}}`;
}

/** Where values come from; passed in so resolution is testable without a process environment or a disk. */
export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory a relative ${file:…} is read from: the configuration file's. */
  readonly baseDir: string;
  readonly readFile: (path: string) => string;
}

/**
 * The value a reference names. A file's single trailing newline is dropped (editors add one; no key ends in one).
 * Errors name the reference, never a value.
 */
export function resolveSecretReference(reference: SecretReference, sources: SecretSources): string {
  const shown = formatSecretReference(reference);
  let value: string | undefined;
  if (reference.source === 'env') {
    value = sources.env[reference.name];
  } else {
    const path = isAbsolute(reference.path) ? reference.path : join(sources.baseDir, reference.path);
    try {
      value = sources.readFile(path).replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError('reference_unresolved', `${shown}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (value === undefined || value === '') throw new ConfigError('reference_unresolved', `${shown} has no value (${reference.source === 'env' ? 'the variable is not set' : 'the file is empty'})`);
  return value;
}

/** Header values from a JSON-object reference (`export` writes custom headers as one). */
export function parseHeadersValue(reference: SecretReference, value: string): Record<string, string> {
  const shown = formatSecretReference(reference);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError('reference_unresolved', `${shown} must hold a JSON object of header name → value`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new ConfigError('reference_unresolved', `${shown} must hold a JSON object of header name → string value`);
  }
  return parsed as Record<string, string>;
}
