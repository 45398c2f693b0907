import {
  ok,
  type CredentialDenied as CredentialDeniedData,
  type CredentialIssued as CredentialIssuedData,
  type DenialReason,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

/** Everything of `credential.issued` but the envelope; the credential is already sealed to the recipient. */
export type IssuedCredential = z.infer<typeof CredentialIssuedData>;

export type IssueCredential = Command<'IssueCredential', { credential: IssuedCredential; now: Date }>;
export type DenyCredential = Command<'DenyCredential', { agentId: string; startId: string; reason: DenialReason; now: Date }>;
export type IssuanceCommand = IssueCredential | DenyCredential;

export type CredentialIssued = Event<'CredentialIssued', IssuedCredential>;
export type CredentialDenied = Event<'CredentialDenied', z.infer<typeof CredentialDeniedData>>;
export type IssuanceEvent = CredentialIssued | CredentialDenied;

export type IssuanceState =
  | Readonly<{ status: 'pending' }>
  | Readonly<{ status: 'issued'; startId: string }>
  | Readonly<{ status: 'denied'; startId: string; reason: DenialReason }>;

/**
 * The answer to one agent start (its stream is `start-<startId>`). One decision per start. Once decided, every further command decides nothing (no error either): start
 * events are delivered at least once, and a redelivery — or a second replica racing on the same start —
 * must neither issue a second credential nor fail the consumer.
 */
export const issuanceDecider: Decider<IssuanceCommand, IssuanceEvent, IssuanceState> = {
  initialState: { status: 'pending' },

  decide(command, state) {
    if (state.status !== 'pending') return ok([]);
    switch (command.type) {
      case 'IssueCredential':
        return ok([{ type: 'CredentialIssued', data: command.data.credential }]);
      case 'DenyCredential': {
        const { agentId, startId, reason } = command.data;
        return ok([{ type: 'CredentialDenied', data: { agentId, startId, reason } }]);
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    if (state.status !== 'pending') return state;
    switch (event.type) {
      case 'CredentialIssued':
        return { status: 'issued', startId: event.data.startId };
      case 'CredentialDenied':
        return { status: 'denied', startId: event.data.startId, reason: event.data.reason };
      default:
        return assertNever(event);
    }
  },
};
