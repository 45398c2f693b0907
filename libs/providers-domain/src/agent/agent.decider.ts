import {
  appError,
  fail,
  ok,
  type AgentCreated as AgentCreatedData,
  type AgentFallback,
  type AgentDeleted as AgentDeletedData,
  type AgentStartRequested as AgentStartRequestedData,
  type AgentStopped as AgentStoppedData,
  type AgentUpdated as AgentUpdatedData,
  type AppError,
  type Delivery,
  type Result,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { changedFields } from '../changed-fields.js';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

export type AgentSettings = Readonly<{
  name: string;
  providerId: string;
  model: string | null;
  delivery: Delivery;
  /** USD per calendar month for this agent's calls; null = no budget of its own. */
  monthlyBudgetUsd: number | null;
  /** Tried in order when the provider fails before the client got a byte. */
  fallbacks: readonly AgentFallback[];
}>;
export type AgentChanges = Partial<AgentSettings>;

/** What the handler found of one requested fallback in the tenant's providers and their models, in the same order. */
export type FallbackCheck = 'ok' | 'provider_not_found' | 'model_not_found';

export type CreateAgent = Command<
  'CreateAgent',
  {
    agentId: string;
    name: string;
    providerId: string;
    model?: string;
    /** `proxy` unless asked: the real provider key then never leaves the plane. */
    delivery?: Delivery;
    monthlyBudgetUsd?: number | null;
    fallbacks?: readonly AgentFallback[];
    /** Whether `providerId` is a live provider of the tenant, as the handler found it. */
    providerExists: boolean;
    /** One per entry of `fallbacks`. */
    fallbackChecks?: readonly FallbackCheck[];
    now: Date;
  }
>;
export type UpdateAgent = Command<
  'UpdateAgent',
  {
    agentId: string;
    changes: AgentChanges;
    /** Whether `changes.providerId` is a live provider of the tenant; ignored when the provider stays. */
    providerExists: boolean;
    /** One per entry of `changes.fallbacks`. */
    fallbackChecks?: readonly FallbackCheck[];
    now: Date;
  }
>;
export type DeleteAgent = Command<'DeleteAgent', { agentId: string; now: Date }>;
export type StopAgent = Command<
  'StopAgent',
  {
    agentId: string;
    /** The agent keys issued at this agent's starts that the same transaction revokes. */
    revokedKeyIds: readonly string[];
    now: Date;
  }
>;
/** Starts are not commands of the agent: each has a stream of its own (see agent-start.decider.ts). */
export type AgentCommand = CreateAgent | UpdateAgent | DeleteAgent | StopAgent;

export type AgentCreated = Event<'AgentCreated', z.infer<typeof AgentCreatedData>>;
export type AgentUpdated = Event<'AgentUpdated', z.infer<typeof AgentUpdatedData>>;
export type AgentDeleted = Event<'AgentDeleted', z.infer<typeof AgentDeletedData>>;
export type AgentStartRequested = Event<'AgentStartRequested', z.infer<typeof AgentStartRequestedData>>;
export type AgentStopped = Event<'AgentStopped', z.infer<typeof AgentStoppedData>>;
export type AgentEvent = AgentCreated | AgentUpdated | AgentDeleted | AgentStartRequested | AgentStopped;

export type AgentState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'active'; agentId: string; settings: AgentSettings }>
  | Readonly<{ status: 'deleted'; agentId: string }>;

const providerNotFound = (providerId: string) => fail(appError('provider_not_found', `provider ${providerId} not found`));
const agentNotFound = (agentId: string) => fail(appError('agent_not_found', `agent ${agentId} not found`));
const badFallback = (field: string, message: string) => fail(appError('validation_failed', `${field}: ${message}`, { field }));

/**
 * Why a list of fallbacks cannot serve the agent whose own target is `primary`, naming the first field at fault:
 * one the handler did not find (`checks`, absent when the list is unchanged), a repeat, or the primary target itself.
 */
function fallbacksRefusal(
  fallbacks: readonly AgentFallback[],
  checks: readonly FallbackCheck[] | undefined,
  primary: Readonly<{ providerId: string; model: string | null }>,
): Result<never, AppError> | null {
  const seen = new Set<string>();
  for (const [index, { providerId, model }] of fallbacks.entries()) {
    const field = `fallbacks[${index}]`;
    const check = checks?.[index] ?? 'ok';
    if (check === 'provider_not_found') return badFallback(`${field}.providerId`, `provider ${providerId} not found in this tenant`);
    if (check === 'model_not_found') return badFallback(`${field}.model`, `${model} is not a model of provider ${providerId}`);
    if (providerId === primary.providerId && model === primary.model) {
      return badFallback(`${field}.providerId`, "is the agent's own provider and model; a fallback must be another target");
    }
    const key = JSON.stringify([providerId, model]);
    if (seen.has(key)) return badFallback(`${field}.providerId`, `repeats an earlier fallback (${providerId}, ${model})`);
    seen.add(key);
  }
  return null;
}

const sameFallbacks = (a: readonly AgentFallback[], b: readonly AgentFallback[]): boolean =>
  a.length === b.length && a.every((f, i) => f.providerId === b[i]?.providerId && f.model === b[i]?.model);

function create(command: CreateAgent, state: AgentState): Result<readonly AgentEvent[], AppError> {
  const { agentId, name, providerId, model, delivery, monthlyBudgetUsd, providerExists } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `agent ${agentId} already exists`));
  if (!providerExists) return providerNotFound(providerId);
  const fallbacks = (command.data.fallbacks ?? []).map(({ providerId, model }) => ({ providerId, model }));
  const refusal = fallbacksRefusal(fallbacks, command.data.fallbackChecks ?? [], { providerId, model: model ?? null });
  if (refusal !== null) return refusal;
  return ok([
    {
      type: 'AgentCreated',
      data: {
        agentId,
        name,
        providerId,
        model: model ?? null,
        delivery: delivery ?? 'proxy',
        monthlyBudgetUsd: monthlyBudgetUsd ?? null,
        ...(fallbacks.length === 0 ? {} : { fallbacks }),
      },
    },
  ]);
}

function update(command: UpdateAgent, state: AgentState): Result<readonly AgentEvent[], AppError> {
  if (state.status !== 'active') return agentNotFound(command.data.agentId);
  const { fallbacks: requested, ...rest } = command.data.changes;
  const fallbacksChanged = requested !== undefined && !sameFallbacks(requested, state.settings.fallbacks);
  const changes = {
    ...changedFields<Omit<AgentSettings, 'fallbacks'>>(state.settings, rest),
    ...(fallbacksChanged ? { fallbacks: requested.map(({ providerId, model }) => ({ providerId, model })) } : {}),
  };
  if (Object.keys(changes).length === 0) return ok([]);
  if (changes.providerId !== undefined && !command.data.providerExists) return providerNotFound(changes.providerId);
  const after = { ...state.settings, ...changes };
  // A moved primary can collide with a fallback kept as it was: the whole resulting list is checked.
  const checks = changes.fallbacks === undefined ? undefined : command.data.fallbackChecks;
  const refusal = fallbacksRefusal(after.fallbacks, checks, after);
  if (refusal !== null) return refusal;
  return ok([{ type: 'AgentUpdated', data: { agentId: state.agentId, changes } }]);
}

function remove(command: DeleteAgent, state: AgentState): Result<readonly AgentEvent[], AppError> {
  if (state.status !== 'active') return agentNotFound(command.data.agentId);
  return ok([{ type: 'AgentDeleted', data: { agentId: state.agentId } }]);
}

function stop(command: StopAgent, state: AgentState): Result<readonly AgentEvent[], AppError> {
  if (state.status !== 'active') return agentNotFound(command.data.agentId);
  // Recorded even when nothing was running: a stop is an instruction worth auditing, and repeating it is harmless.
  return ok([{ type: 'AgentStopped', data: { agentId: state.agentId, revokedKeyIds: [...command.data.revokedKeyIds] } }]);
}

export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'CreateAgent':
        return create(command, state);
      case 'UpdateAgent':
        return update(command, state);
      case 'DeleteAgent':
        return remove(command, state);
      case 'StopAgent':
        return stop(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AgentCreated': {
        const { agentId, monthlyBudgetUsd, fallbacks, ...settings } = event.data;
        // Agents created before budgets, or before failover, have none.
        return { status: 'active', agentId, settings: { ...settings, monthlyBudgetUsd: monthlyBudgetUsd ?? null, fallbacks: fallbacks ?? [] } };
      }
      case 'AgentUpdated':
        if (state.status !== 'active') return state;
        return { ...state, settings: { ...state.settings, ...event.data.changes } };
      case 'AgentDeleted':
        return { status: 'deleted', agentId: event.data.agentId };
      // Runs live outside the agent's settings: starts and stops leave the decision state as it was. Starts are
      // recorded on streams of their own now; agent streams written before that still hold AgentStartRequested.
      case 'AgentStartRequested':
      case 'AgentStopped':
        return state;
      default:
        return assertNever(event);
    }
  },
};
