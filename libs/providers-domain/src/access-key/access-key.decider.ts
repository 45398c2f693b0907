import {
  appError,
  fail,
  ok,
  type KeyCreated as KeyCreatedData,
  type KeyRevoked as KeyRevokedData,
  type TenantKeyRole,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

export type CreateKey = Command<
  'CreateKey',
  {
    keyId: string;
    name: string;
    role: TenantKeyRole;
    agentId: string | null;
    /** Hex SHA-256 of the key; the plaintext never reaches this service. */
    keyHash: string;
    /** Whether `agentId` names a live agent of the tenant, as the handler found it; ignored for other roles. */
    agentExists: boolean;
    now: Date;
  }
>;
export type RevokeKey = Command<'RevokeKey', { keyId: string; now: Date }>;
/** A key credentials-service issues at an agent start (proxy delivery): bound to the agent and the start, short-lived. */
export type IssueAgentKey = Command<
  'IssueAgentKey',
  {
    keyId: string;
    agentId: string;
    startId: string;
    keyHash: string;
    expiresAt: Date;
    /** Whether `agentId` names a live agent of the tenant, as the handler found it. */
    agentExists: boolean;
    now: Date;
  }
>;
export type AccessKeyCommand = CreateKey | RevokeKey | IssueAgentKey;

export type KeyCreated = Event<'KeyCreated', z.infer<typeof KeyCreatedData>>;
export type KeyRevoked = Event<'KeyRevoked', z.infer<typeof KeyRevokedData>>;
export type AccessKeyEvent = KeyCreated | KeyRevoked;

export type AccessKeyState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{
      status: 'active';
      keyId: string;
      role: TenantKeyRole;
      agentId: string | null;
      /** Set on keys issued at an agent start; with keyHash it recognises a retried issue. */
      startId: string | null;
      keyHash: string;
    }>
  | Readonly<{ status: 'revoked'; keyId: string }>;

function createKey(command: CreateKey, state: AccessKeyState) {
  const { keyId, name, role, agentId, keyHash, agentExists } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `key ${keyId} already exists`));
  if (role === 'agent' && agentId === null) return fail(appError('validation_failed', 'agentId: is required for role agent'));
  if (role !== 'agent' && agentId !== null) {
    return fail(appError('validation_failed', 'agentId: is only allowed for role agent'));
  }
  if (role === 'agent' && !agentExists) return fail(appError('agent_not_found', `agent ${agentId} not found`));
  return ok([{ type: 'KeyCreated', data: { keyId, name, role, agentId, keyHash } } as const]);
}

/** The name keys issued at a start carry in listings: enough to tell which run they belong to. */
export const agentStartKeyName = (agentId: string, startId: string): string => `agent ${agentId} start ${startId}`;

function issueAgentKey(command: IssueAgentKey, state: AccessKeyState) {
  const { keyId, agentId, startId, keyHash, expiresAt, agentExists, now } = command.data;
  // The caller retries after a lost reply with the same id: the key it asked for exists, so that is success.
  if (state.status === 'active' && state.startId === startId && state.agentId === agentId && state.keyHash === keyHash) {
    return ok([]);
  }
  if (state.status !== 'absent') return fail(appError('invalid_state', `key ${keyId} already exists`));
  if (!agentExists) return fail(appError('agent_not_found', `agent ${agentId} not found`));
  if (expiresAt.getTime() <= now.getTime()) return fail(appError('validation_failed', 'expiresAt: must be in the future'));
  return ok([
    {
      type: 'KeyCreated',
      data: {
        keyId,
        name: agentStartKeyName(agentId, startId),
        role: 'agent',
        agentId,
        keyHash,
        startId,
        expiresAt: expiresAt.toISOString(),
      },
    } as const,
  ]);
}

function revokeKey(command: RevokeKey, state: AccessKeyState) {
  // A revoked key is reported like a missing one: revocation is not repeatable and reveals nothing.
  if (state.status !== 'active') return fail(appError('key_not_found', `key ${command.data.keyId} not found`));
  return ok([{ type: 'KeyRevoked', data: { keyId: state.keyId } } as const]);
}

export const accessKeyDecider: Decider<AccessKeyCommand, AccessKeyEvent, AccessKeyState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'CreateKey':
        return createKey(command, state);
      case 'RevokeKey':
        return revokeKey(command, state);
      case 'IssueAgentKey':
        return issueAgentKey(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'KeyCreated': {
        const { keyId, role, agentId, keyHash } = event.data;
        return { status: 'active', keyId, role, agentId, keyHash, startId: event.data.startId ?? null };
      }
      case 'KeyRevoked':
        return { status: 'revoked', keyId: event.data.keyId };
      default:
        return assertNever(event);
    }
  },
};
