import {
  appError,
  fail,
  ok,
  type AppError,
  type Delivery,
  type Result,
  type StartProviderSnapshot,
} from '@switchboard/contracts';
import { assertNever, type Command, type Decider } from '@switchboard/domain-kernel';
import type { AgentStartRequested } from '../agent/agent.decider.js';

/** What a start needs of its agent: the agent as the handler read it under its row lock. */
export type StartedAgent = Readonly<{ agentId: string; providerId: string; delivery: Delivery }>;

export type RequestAgentStart = Command<
  'RequestAgentStart',
  {
    agentId: string;
    startId: string;
    recipientId: string;
    /** The live agent, read under a lock that keeps it from moving or going away until the start commits; null when it is gone. */
    agent: StartedAgent | null;
    /** The agent's provider as read in the same transaction, null when it no longer exists (credentials-service denies). */
    provider: StartProviderSnapshot | null;
    now: Date;
  }
>;
export type AgentStartCommand = RequestAgentStart;

/** The same event, and so the same `agent.start_requested` bus message, that agent streams used to carry. */
export type AgentStartEvent = AgentStartRequested;

export type AgentStartState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'requested'; startId: string; agentId: string }>;

function request(command: RequestAgentStart, state: AgentStartState): Result<readonly AgentStartEvent[], AppError> {
  const { agentId, startId, recipientId, agent, provider } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `start ${startId} is already recorded`));
  if (agent === null || agent.agentId !== agentId) return fail(appError('agent_not_found', `agent ${agentId} not found`));
  // Credentials are issued from this snapshot: one of another provider would hand out the wrong key.
  if (provider !== null && provider.id !== agent.providerId) {
    return fail(appError('invalid_state', `agent ${agentId} uses provider ${agent.providerId}, not ${provider.id}`));
  }
  return ok([{ type: 'AgentStartRequested', data: { agentId, startId, recipientId, delivery: agent.delivery, provider } }]);
}

/**
 * One start of an agent, on a stream of its own (`agent-start-<startId>`), so concurrent starts of one agent
 * never contend and never move the agent's version. The agent itself is not folded here: the handler reads it
 * under a share lock of its read-model row, which its updates, deletion and stop take exclusively.
 */
export const agentStartDecider: Decider<AgentStartCommand, AgentStartEvent, AgentStartState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'RequestAgentStart':
        return request(command, state);
      default:
        return assertNever(command.type);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AgentStartRequested':
        return { status: 'requested', startId: event.data.startId, agentId: event.data.agentId };
      default:
        return assertNever(event.type);
    }
  },
};
