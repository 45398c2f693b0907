import { appError, fail, ok, type AppError, type RecipientRegistered as RecipientRegisteredData, type Result } from '@switchboard/contracts';
import type { z } from 'zod';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

/** `publicKey` was checked by the handler (canonical base64 of a usable X25519 point) before it got here. */
export type RegisterRecipient = Command<'RegisterRecipient', { recipientId: string; name: string; publicKey: string; now: Date }>;
export type RecipientCommand = RegisterRecipient;

export type RecipientRegistered = Event<'RecipientRegistered', z.infer<typeof RecipientRegisteredData>>;
export type RecipientEvent = RecipientRegistered;

export type RecipientState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'registered'; recipientId: string; name: string; publicKey: string }>;

function register(command: RegisterRecipient, state: RecipientState): Result<readonly RecipientEvent[], AppError> {
  const { recipientId, name, publicKey } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `recipient ${recipientId} already exists`));
  return ok([{ type: 'RecipientRegistered', data: { recipientId, name, publicKey } }]);
}

export const recipientDecider: Decider<RecipientCommand, RecipientEvent, RecipientState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterRecipient':
        return register(command, state);
      default:
        return assertNever(command.type);
    }
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'RecipientRegistered':
        return { status: 'registered', ...event.data };
      default:
        return assertNever(event.type);
    }
  },
};
