import {
  appError,
  fail,
  ok,
  type AppError,
  type Result,
  type SecretCreated as SecretCreatedData,
  type SecretDeleted as SecretDeletedData,
  type SecretKind,
  type SecretRevealed as SecretRevealedData,
  type SecretRotated as SecretRotatedData,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

/** Display data of a value version, computed by the handler from the plaintext it then zeroes. */
export interface SecretDisplay {
  readonly fingerprint: string;
  readonly hint: string;
}

export type CreateSecret = Command<'CreateSecret', { secretId: string; name: string; kind: SecretKind; now: Date } & SecretDisplay>;
export type RotateSecret = Command<
  'RotateSecret',
  {
    secretId: string;
    /**
     * The version the handler encrypted the new value for: the ciphertext is bound to it, so the
     * rotation only lands if the secret is still one version behind it.
     */
    version: number;
    /** If-Match: the value version the caller last read. */
    expectedVersion?: number;
    now: Date;
  } & SecretDisplay
>;
export type RecordReveal = Command<'RecordReveal', { secretId: string; version: number; revealedBy: string; now: Date }>;
export type DeleteSecret = Command<
  'DeleteSecret',
  {
    secretId: string;
    /** Providers still using the secret, as the handler learnt them from providers-service. */
    dependents: readonly string[];
    expectedVersion?: number;
    now: Date;
  }
>;
export type SecretCommand = CreateSecret | RotateSecret | RecordReveal | DeleteSecret;

export type SecretCreated = Event<'SecretCreated', z.infer<typeof SecretCreatedData>>;
export type SecretRotated = Event<'SecretRotated', z.infer<typeof SecretRotatedData>>;
export type SecretRevealed = Event<'SecretRevealed', z.infer<typeof SecretRevealedData>>;
export type SecretDeleted = Event<'SecretDeleted', z.infer<typeof SecretDeletedData>>;
export type SecretEvent = SecretCreated | SecretRotated | SecretRevealed | SecretDeleted;

/** `version` is the value version (1 at creation, +1 per rotation); reveals do not change it. */
export type SecretState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'active'; secretId: string; kind: SecretKind; version: number }>
  | Readonly<{ status: 'deleted'; secretId: string }>;

type ActiveSecret = Extract<SecretState, { status: 'active' }>;

export const secretNotFound = (secretId: string): AppError => appError('secret_not_found', `secret ${secretId} not found`);

/** The refusal to delete a secret providers still use; it names them so the caller can act on them. */
export function secretInUse(secretId: string, dependents: readonly string[]): AppError {
  return appError('secret_in_use', `secret ${secretId} is used by ${dependents.length} provider(s)`, { dependents: [...dependents] });
}

function versionConflict(state: ActiveSecret, expected: number): AppError {
  return appError('version_conflict', `secret ${state.secretId} is at version ${state.version}, expected ${expected}`, {
    expected,
    actual: state.version,
  });
}

function staleIfMatch(state: ActiveSecret, expectedVersion: number | undefined): Result<void, AppError> {
  return expectedVersion !== undefined && expectedVersion !== state.version ? fail(versionConflict(state, expectedVersion)) : ok(undefined);
}

function create(command: CreateSecret, state: SecretState): Result<readonly SecretEvent[], AppError> {
  const { secretId, name, kind, fingerprint, hint } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `secret ${secretId} already exists`));
  return ok([{ type: 'SecretCreated', data: { secretId, name, kind, version: 1, fingerprint, hint } }]);
}

function rotate(command: RotateSecret, state: SecretState): Result<readonly SecretEvent[], AppError> {
  if (state.status !== 'active') return fail(secretNotFound(command.data.secretId));
  const stale = staleIfMatch(state, command.data.expectedVersion);
  if (!stale.ok) return stale;
  if (command.data.version !== state.version + 1) return fail(versionConflict(state, command.data.version - 1));
  const { version, fingerprint, hint } = command.data;
  return ok([{ type: 'SecretRotated', data: { secretId: state.secretId, version, fingerprint, hint } }]);
}

function recordReveal(command: RecordReveal, state: SecretState): Result<readonly SecretEvent[], AppError> {
  if (state.status !== 'active') return fail(secretNotFound(command.data.secretId));
  const { version, revealedBy } = command.data;
  if (!Number.isInteger(version) || version < 1 || version > state.version) {
    return fail(appError('invalid_state', `secret ${state.secretId} has no version ${version}`));
  }
  return ok([{ type: 'SecretRevealed', data: { secretId: state.secretId, version, revealedBy } }]);
}

function remove(command: DeleteSecret, state: SecretState): Result<readonly SecretEvent[], AppError> {
  if (state.status !== 'active') return fail(secretNotFound(command.data.secretId));
  const stale = staleIfMatch(state, command.data.expectedVersion);
  if (!stale.ok) return stale;
  if (command.data.dependents.length > 0) return fail(secretInUse(state.secretId, command.data.dependents));
  return ok([{ type: 'SecretDeleted', data: { secretId: state.secretId } }]);
}

export const secretDecider: Decider<SecretCommand, SecretEvent, SecretState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'CreateSecret':
        return create(command, state);
      case 'RotateSecret':
        return rotate(command, state);
      case 'RecordReveal':
        return recordReveal(command, state);
      case 'DeleteSecret':
        return remove(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'SecretCreated':
        return { status: 'active', secretId: event.data.secretId, kind: event.data.kind, version: event.data.version };
      case 'SecretRotated':
        return state.status === 'active' ? { ...state, version: event.data.version } : state;
      case 'SecretRevealed':
        return state;
      case 'SecretDeleted':
        return { status: 'deleted', secretId: event.data.secretId };
      default:
        return assertNever(event);
    }
  },
};
