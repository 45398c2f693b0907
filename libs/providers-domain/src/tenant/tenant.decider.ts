import {
  appError,
  DEFAULT_TENANT_SETTINGS,
  fail,
  ok,
  type AppError,
  type Result,
  type TenantCreated as TenantCreatedData,
  type TenantSettings,
  type TenantSettingsChanged as TenantSettingsChangedData,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { changedFields } from '../changed-fields.js';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

export type CreateTenant = Command<'CreateTenant', { tenantId: string; name: string; now: Date }>;
export type ChangeTenantSettings = Command<'ChangeTenantSettings', { tenantId: string; changes: Partial<TenantSettings>; now: Date }>;
export type TenantCommand = CreateTenant | ChangeTenantSettings;

export type TenantCreated = Event<'TenantCreated', z.infer<typeof TenantCreatedData>>;
export type TenantSettingsChanged = Event<'TenantSettingsChanged', z.infer<typeof TenantSettingsChangedData>>;
export type TenantEvent = TenantCreated | TenantSettingsChanged;

/** A tenant created before it had settings has the defaults. */
export type TenantState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'active'; tenantId: string; name: string; settings: TenantSettings }>;

function changeSettings(command: ChangeTenantSettings, state: TenantState): Result<readonly TenantEvent[], AppError> {
  if (state.status !== 'active') return fail(appError('tenant_not_found', `tenant ${command.data.tenantId} not found`));
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
      default:
        return assertNever(event);
    }
  },
};
