import { specificationFor } from '@switchboard/domain-kernel/testing';
import { modelDecider, type AddModel, type DiscoverModel, type ModelAdded } from './model.decider.js';

const spec = specificationFor(modelDecider);
const now = new Date('2030-01-01T00:00:00Z');

const addModel = (data: Partial<AddModel['data']> = {}): AddModel => ({
  type: 'AddModel',
  data: { modelId: 'mdl_1', providerId: 'prv_1', name: 'gpt-4o', providerExists: true, now, ...data },
});
const added: ModelAdded = {
  type: 'ModelAdded',
  data: {
    modelId: 'mdl_1',
    providerId: 'prv_1',
    name: 'gpt-4o',
    upstreamModel: 'gpt-4o',
    source: 'manual',
    inputUsdPerMTok: null,
    outputUsdPerMTok: null,
    cachedInputUsdPerMTok: null,
  },
};
const remove = { type: 'RemoveModel', data: { modelId: 'mdl_1', now } } as const;

describe('model decider', () => {
  describe('AddModel', () => {
    it('adds a manual model whose upstream name defaults to its name', () => {
      spec.given([]).when(addModel()).then([added]);
    });

    it('keeps an explicit upstream name and prices', () => {
      spec
        .given([])
        .when(addModel({ upstreamModel: 'gpt-4o-2024-08-06', inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25 }))
        .then([
          {
            type: 'ModelAdded',
            data: { ...added.data, upstreamModel: 'gpt-4o-2024-08-06', inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25 },
          },
        ]);
    });

    it('refuses a provider that does not exist', () => {
      spec.given([]).when(addModel({ providerExists: false })).thenFails('provider_not_found');
    });

    it('refuses to add the same model id twice', () => {
      spec.given([added]).when(addModel()).thenFails('invalid_state');
    });
  });

  describe('DiscoverModel', () => {
    const discover = (data: Partial<DiscoverModel['data']> = {}): DiscoverModel => ({
      type: 'DiscoverModel',
      data: { modelId: 'mdl_1', providerId: 'prv_1', upstreamModel: 'gpt-4o-2024-08-06', providerExists: true, now, ...data },
    });

    it('adds a discovered model named as the upstream names it, without prices', () => {
      spec
        .given([])
        .when(discover())
        .then([{ type: 'ModelAdded', data: { ...added.data, name: 'gpt-4o-2024-08-06', upstreamModel: 'gpt-4o-2024-08-06', source: 'discovered' } }]);
    });

    it('refuses a provider that does not exist, and an id already used', () => {
      spec.given([]).when(discover({ providerExists: false })).thenFails('provider_not_found');
      spec.given([added]).when(discover()).thenFails('invalid_state');
    });
  });

  describe('RemoveModel', () => {
    it('removes a model', () => {
      spec.given([added]).when(remove).then([{ type: 'ModelRemoved', data: { modelId: 'mdl_1', providerId: 'prv_1' } }]);
    });

    it('reports an unknown or removed model as not found', () => {
      spec.given([]).when(remove).thenFails('model_not_found');
      spec
        .given([added, { type: 'ModelRemoved', data: { modelId: 'mdl_1', providerId: 'prv_1' } }])
        .when(remove)
        .thenFails('model_not_found');
    });
  });
});
