import {
  appError,
  DEFAULT_TENANT_SETTINGS,
  fail,
  ok,
  type AppError,
  type Result,
  type TenantCreated as TenantCreatedData,
  type TenantDeleted as TenantDeletedData,
  type TenantDeletionStarted as TenantDeletionStartedData,
  type TenantSettings,
  type TenantSettingsChanged as TenantSettingsChangedData,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { changedFields } from '../changed-fields.js';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

export type CreateTenant = Command<'CreateTenant', { tenantId: string; name: string; now: Date }>;
export type ChangeTenantSettings = Command<'ChangeTenantSettings', { tenantId: string; changes: Partial<TenantSettings>; now: Date }>;
export type StartTenantDeletion = Command<'StartTenantDeletion', { tenantId: string; now: Date }>;
export type CompleteTenantDeletion = Command<'CompleteTenantDeletion', { tenantId: string; kmsKeyId: string | null; keyDeletionDate: string | null; now: Date }>;
export type TenantCommand = CreateTenant | ChangeTenantSettings | StartTenantDeletion | CompleteTenantDeletion;

export type TenantCreated = Event<'TenantCreated', z.infer<typeof TenantCreatedData>>;
export type TenantSettingsChanged = Event<'TenantSettingsChanged', z.infer<typeof TenantSettingsChangedData>>;
export type TenantDeletionStarted = Event<'TenantDeletionStarted', z.infer<typeof TenantDeletionStartedData>>;
export type TenantDeleted = Event<'TenantDeleted', z.infer<typeof TenantDeletedData>>;
export type TenantEvent = TenantCreated | TenantSettingsChanged | TenantDeletionStarted | TenantDeleted;

/**
 * A tenant created before it had settings has the defaults. `deleting`: its deletion started and its keys are
 * refused, but its data keys may not be destroyed yet; `deleted`: they are. Neither comes back.
 */
export type TenantState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'active' | 'deleting' | 'deleted'; tenantId: string; name: string; settings: TenantSettings }>;

const tenantNotFound = (tenantId: string): AppError => appError('tenant_not_found', `tenant ${tenantId} not found`);

/** Started once; asking again while it runs records nothing and succeeds, so a deletion that stopped midway resumes. */
function startDeletion(command: StartTenantDeletion, state: TenantState): Result<readonly TenantEvent[], AppError> {
  if (state.status === 'deleting') return ok([]);
  if (state.status !== 'active') return fail(tenantNotFound(command.data.tenantId));
  return ok([{ type: 'TenantDeletionStarted', data: { tenantId: state.tenantId } }]);
}

function completeDeletion(command: CompleteTenantDeletion, state: TenantState): Result<readonly TenantEvent[], AppError> {
  if (state.status === 'deleted') return ok([]);
  if (state.status === 'active') return fail(appError('invalid_state', `the deletion of tenant ${command.data.tenantId} has not started`));
  if (state.status !== 'deleting') return fail(tenantNotFound(command.data.tenantId));
  const { kmsKeyId, keyDeletionDate } = command.data;
  return ok([{ type: 'TenantDeleted', data: { tenantId: state.tenantId, kmsKeyId, keyDeletionDate } }]);
}

function changeSettings(command: ChangeTenantSettings, state: TenantState): Result<readonly TenantEvent[], AppError> {
  if (state.status !== 'active') return fail(tenantNotFound(command.data.tenantId));
  const changes = changedFields(state.settings, command.data.changes);
  if (Object.keys(changes).length === 0) return ok([]);
  return ok([{ type: 'TenantSettingsChanged', data: { tenantId: state.tenantId, changes } }]);
}

export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'CreateTenant': {
        if (state.status !== 'absent') return fail(appError('invalid_state', `tenant ${command.data.tenantId} already exists`));
        const { tenantId, name } = command.data;
        return ok([{ type: 'TenantCreated', data: { tenantId, name } }]);
      }
      case 'ChangeTenantSettings':
        return changeSettings(command, state);
      case 'StartTenantDeletion':
        return startDeletion(command, state);
      case 'CompleteTenantDeletion':
        return completeDeletion(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TenantCreated':
        return { status: 'active', tenantId: event.data.tenantId, name: event.data.name, settings: DEFAULT_TENANT_SETTINGS };
      case 'TenantSettingsChanged':
        if (state.status !== 'active') return state;
        return { ...state, settings: { ...state.settings, ...event.data.changes } };
      case 'TenantDeletionStarted':
        return state.status === 'active' ? { ...state, status: 'deleting' } : state;
      case 'TenantDeleted':
        return state.status === 'absent' ? state : { ...state, status: 'deleted' };
      default:
        return assertNever(event);
    }
  },
};
