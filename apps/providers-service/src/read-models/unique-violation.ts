import { appError, type AppError } from '@switchboard/contracts';
import { UNIQUE_NAMES } from './read-models.migrations.js';

const ERRORS_BY_CONSTRAINT: Readonly<Record<string, AppError>> = {
  [UNIQUE_NAMES.provider]: appError('provider_name_taken', 'a provider with this name already exists in the tenant'),
  [UNIQUE_NAMES.model]: appError('model_name_taken', 'a model with this name already exists for the provider'),
  [UNIQUE_NAMES.agent]: appError('agent_name_taken', 'an agent with this name already exists in the tenant'),
  [UNIQUE_NAMES.keyHash]: appError('validation_failed', 'keyHash: is already registered'),
};

/**
 * The business error behind a unique violation on a read-model name index, else null. The indexes are the
 * real guard against two concurrent requests taking one name; the handlers' earlier checks only make
 * the common case's error friendly.
 */
export function uniqueViolationError(err: unknown): AppError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const code = e.driverError?.code ?? e.code;
  const constraint = e.driverError?.constraint ?? e.constraint;
  if (code !== '23505' || typeof constraint !== 'string') return null;
  return ERRORS_BY_CONSTRAINT[constraint] ?? null;
}
