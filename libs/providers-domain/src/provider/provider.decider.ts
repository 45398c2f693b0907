import {
  appError,
  fail,
  ok,
  type AppError,
  type ProviderDeleted as ProviderDeletedData,
  type ProviderRegistered as ProviderRegisteredData,
  type ProviderSettings,
  type ProviderUpdated as ProviderUpdatedData,
  type Result,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { changedFields } from '../changed-fields.js';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

/** A provider's type is fixed at registration; everything else may change, its credential (a secret's id) included. */
export type ProviderChanges = Partial<Omit<ProviderSettings, 'type'>> & { readonly secretId?: string };

/** What still refers to a provider, as the handler found it in the same transaction. */
export interface ProviderDependents {
  readonly agents: readonly string[];
  readonly models: readonly string[];
}

export type RegisterProvider = Command<
  'RegisterProvider',
  { providerId: string; settings: ProviderSettings; secretId: string | null; now: Date }
>;
export type UpdateProvider = Command<'UpdateProvider', { providerId: string; changes: ProviderChanges; now: Date }>;
export type DeleteProvider = Command<'DeleteProvider', { providerId: string; dependents: ProviderDependents; now: Date }>;
export type ProviderCommand = RegisterProvider | UpdateProvider | DeleteProvider;

export type ProviderRegistered = Event<'ProviderRegistered', z.infer<typeof ProviderRegisteredData>>;
export type ProviderUpdated = Event<'ProviderUpdated', z.infer<typeof ProviderUpdatedData>>;
export type ProviderDeleted = Event<'ProviderDeleted', z.infer<typeof ProviderDeletedData>>;
export type ProviderEvent = ProviderRegistered | ProviderUpdated | ProviderDeleted;

export type ProviderState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'registered'; providerId: string; settings: ProviderSettings; secretId: string | null }>
  | Readonly<{ status: 'deleted'; providerId: string }>;

const notFound = (providerId: string) => fail(appError('provider_not_found', `provider ${providerId} not found`));

function checkOrganization(settings: ProviderSettings): Result<void, AppError> {
  if (settings.organizationId !== null && settings.type !== 'openai') {
    return fail(appError('validation_failed', 'organizationId: is only allowed for type openai'));
  }
  return ok(undefined);
}

function register(command: RegisterProvider, state: ProviderState): Result<readonly ProviderEvent[], AppError> {
  const { providerId, settings, secretId } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `provider ${providerId} already exists`));
  const organization = checkOrganization(settings);
  if (!organization.ok) return organization;
  const { type: providerType, ...rest } = settings;
  return ok([{ type: 'ProviderRegistered', data: { ...rest, providerType, providerId, secretId } }]);
}

function update(command: UpdateProvider, state: ProviderState): Result<readonly ProviderEvent[], AppError> {
  if (state.status !== 'registered') return notFound(command.data.providerId);
  const { secretId, ...settings } = command.data.changes;
  const changes: ProviderChanges = {
    ...changedFields(state.settings, settings),
    ...(secretId !== undefined && secretId !== state.secretId ? { secretId } : {}),
  };
  if (Object.keys(changes).length === 0) return ok([]);
  const organization = checkOrganization({ ...state.settings, ...changes });
  if (!organization.ok) return organization;
  return ok([{ type: 'ProviderUpdated', data: { providerId: state.providerId, changes } }]);
}

/** The refusal to delete a provider agents still use; it names every dependent so the caller can act on them. */
export function providerInUse(providerId: string, dependents: ProviderDependents): AppError {
  return appError('provider_in_use', `provider ${providerId} is used by ${dependents.agents.length} agent(s)`, {
    dependents: { agents: [...dependents.agents], models: [...dependents.models] },
  });
}

function remove(command: DeleteProvider, state: ProviderState): Result<readonly ProviderEvent[], AppError> {
  if (state.status !== 'registered') return notFound(command.data.providerId);
  // Models belong to their provider and go with it; an agent would be left pointing at nothing.
  if (command.data.dependents.agents.length > 0) return fail(providerInUse(state.providerId, command.data.dependents));
  return ok([{ type: 'ProviderDeleted', data: { providerId: state.providerId } }]);
}

export const providerDecider: Decider<ProviderCommand, ProviderEvent, ProviderState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterProvider':
        return register(command, state);
      case 'UpdateProvider':
        return update(command, state);
      case 'DeleteProvider':
        return remove(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ProviderRegistered': {
        const { providerId, secretId, providerType, ...settings } = event.data;
        return { status: 'registered', providerId, settings: { ...settings, type: providerType }, secretId };
      }
      case 'ProviderUpdated': {
        if (state.status !== 'registered') return state;
        const { secretId, ...settings } = event.data.changes;
        return { ...state, settings: { ...state.settings, ...settings }, secretId: secretId ?? state.secretId };
      }
      case 'ProviderDeleted':
        return { status: 'deleted', providerId: event.data.providerId };
      default:
        return assertNever(event);
    }
  },
};
