import {
  appError,
  fail,
  ok,
  type AppError,
  type ModelAdded as ModelAddedData,
  type ModelRemoved as ModelRemovedData,
  type Result,
} from '@switchboard/contracts';
import type { z } from 'zod';
import { assertNever, type Command, type Decider, type Event } from '@switchboard/domain-kernel';

export type AddModel = Command<
  'AddModel',
  {
    modelId: string;
    providerId: string;
    name: string;
    /** The name the upstream knows the model by; the Switchboard name when not given. */
    upstreamModel?: string;
    inputUsdPerMTok?: number;
    outputUsdPerMTok?: number;
    cachedInputUsdPerMTok?: number;
    /** Whether the provider is live in the tenant, as the handler found it. */
    providerExists: boolean;
    now: Date;
  }
>;
/** A model the provider's own /models listed: named as the upstream names it, priced by the catalogue only. */
export type DiscoverModel = Command<
  'DiscoverModel',
  {
    modelId: string;
    providerId: string;
    upstreamModel: string;
    /** Whether the provider is live in the tenant, as the handler found it. */
    providerExists: boolean;
    now: Date;
  }
>;
export type RemoveModel = Command<'RemoveModel', { modelId: string; now: Date }>;
export type ModelCommand = AddModel | DiscoverModel | RemoveModel;

export type ModelAdded = Event<'ModelAdded', z.infer<typeof ModelAddedData>>;
export type ModelRemoved = Event<'ModelRemoved', z.infer<typeof ModelRemovedData>>;
export type ModelEvent = ModelAdded | ModelRemoved;

export type ModelState =
  | Readonly<{ status: 'absent' }>
  | Readonly<{ status: 'added'; modelId: string; providerId: string; name: string }>
  | Readonly<{ status: 'removed'; modelId: string }>;

function add(command: AddModel, state: ModelState): Result<readonly ModelEvent[], AppError> {
  const { modelId, providerId, name, upstreamModel, inputUsdPerMTok, outputUsdPerMTok, cachedInputUsdPerMTok, providerExists } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `model ${modelId} already exists`));
  if (!providerExists) return fail(appError('provider_not_found', `provider ${providerId} not found`));
  return ok([
    {
      type: 'ModelAdded',
      data: {
        modelId,
        providerId,
        name,
        upstreamModel: upstreamModel ?? name,
        source: 'manual',
        inputUsdPerMTok: inputUsdPerMTok ?? null,
        outputUsdPerMTok: outputUsdPerMTok ?? null,
        cachedInputUsdPerMTok: cachedInputUsdPerMTok ?? null,
      },
    },
  ]);
}

function discover(command: DiscoverModel, state: ModelState): Result<readonly ModelEvent[], AppError> {
  const { modelId, providerId, upstreamModel, providerExists } = command.data;
  if (state.status !== 'absent') return fail(appError('invalid_state', `model ${modelId} already exists`));
  if (!providerExists) return fail(appError('provider_not_found', `provider ${providerId} not found`));
  return ok([
    {
      type: 'ModelAdded',
      data: {
        modelId,
        providerId,
        name: upstreamModel,
        upstreamModel,
        source: 'discovered',
        inputUsdPerMTok: null,
        outputUsdPerMTok: null,
        cachedInputUsdPerMTok: null,
      },
    },
  ]);
}

function remove(command: RemoveModel, state: ModelState): Result<readonly ModelEvent[], AppError> {
  if (state.status !== 'added') return fail(appError('model_not_found', `model ${command.data.modelId} not found`));
  return ok([{ type: 'ModelRemoved', data: { modelId: state.modelId, providerId: state.providerId } }]);
}

export const modelDecider: Decider<ModelCommand, ModelEvent, ModelState> = {
  initialState: { status: 'absent' },

  decide(command, state) {
    switch (command.type) {
      case 'AddModel':
        return add(command, state);
      case 'DiscoverModel':
        return discover(command, state);
      case 'RemoveModel':
        return remove(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'ModelAdded': {
        const { modelId, providerId, name } = event.data;
        return { status: 'added', modelId, providerId, name };
      }
      case 'ModelRemoved':
        return { status: 'removed', modelId: event.data.modelId };
      default:
        return assertNever(event);
    }
  },
};
