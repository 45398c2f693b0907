import { appError, fail, ok, type TenantCreated as TenantCreatedData } from '@switchboard/contracts';
import type { z } from 'zod';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

export type CreateTenant = Command<'CreateTenant', { tenantId: string; name: string; now: Date }>;
export type TenantCommand = CreateTenant;

export type TenantCreated = Event<'TenantCreated', z.infer<typeof TenantCreatedData>>;
export type TenantEvent = TenantCreated;

export type TenantState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'active'; tenantId: string; name: string }>;

export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'CreateTenant': {
        if (state.status !== 'absent') return fail(appError('invalid_state', `tenant ${command.data.tenantId} already exists`));
        const { tenantId, name } = command.data;
        return ok([{ type: 'TenantCreated', data: { tenantId, name } }]);
      }
      default:
        return assertNever(command.type);
    }
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'TenantCreated':
        return { status: 'active', tenantId: event.data.tenantId, name: event.data.name };
      default:
        return assertNever(event.type);
    }
  },
};
