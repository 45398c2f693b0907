import { specificationFor } from '@switchboard/domain-kernel/testing';
import {
  providerDecider,
  type DeleteProvider,
  type ProviderDeleted,
  type ProviderRegistered,
  type RegisterProvider,
  type UpdateProvider,
} from './provider.decider.js';

const spec = specificationFor(providerDecider);
const now = new Date('2030-01-01T00:00:00Z');

const settings = {
  name: 'openai-main',
  type: 'openai',
  endpoint: 'https://api.openai.com/v1',
  protocol: 'openai',
  authMethod: 'bearer',
  organizationId: null,
  defaultModel: null,
  rateLimitRpm: null,
  monthlyBudgetUsd: null,
} as const;

const register = (overrides: Partial<RegisterProvider['data']> = {}): RegisterProvider => ({
  type: 'RegisterProvider',
  data: { providerId: 'prv_1', settings, secretId: 'sec_1', now, ...overrides },
});
const registered: ProviderRegistered = {
  type: 'ProviderRegistered',
  data: (({ type, ...rest }) => ({ ...rest, providerType: type, providerId: 'prv_1', secretId: 'sec_1' }))(settings),
};
const update = (changes: UpdateProvider['data']['changes']): UpdateProvider => ({
  type: 'UpdateProvider',
  data: { providerId: 'prv_1', changes, now },
});
const remove = (dependents: DeleteProvider['data']['dependents'] = { agents: [], models: [] }): DeleteProvider => ({
  type: 'DeleteProvider',
  data: { providerId: 'prv_1', dependents, now },
});
const deleted: ProviderDeleted = { type: 'ProviderDeleted', data: { providerId: 'prv_1' } };

describe('provider decider', () => {
  describe('RegisterProvider', () => {
    it('registers a provider with its resolved settings and credential reference', () => {
      spec.given([]).when(register()).then([registered]);
    });

    it('accepts an organization for openai', () => {
      spec
        .given([])
        .when(register({ settings: { ...settings, organizationId: 'org_1' } }))
        .then([{ type: 'ProviderRegistered', data: { ...registered.data, organizationId: 'org_1' } }]);
    });

    it('refuses an organization for any other type', () => {
      spec
        .given([])
        .when(register({ settings: { ...settings, type: 'anthropic', organizationId: 'org_1' } }))
        .thenFails('validation_failed');
    });

    it('refuses to register the same provider id twice', () => {
      spec.given([registered]).when(register()).thenFails('invalid_state');
    });
  });

  describe('UpdateProvider', () => {
    it('records only the fields that really change', () => {
      spec
        .given([registered])
        .when(update({ name: 'openai-main', rateLimitRpm: 600, endpoint: 'https://api.openai.com/v1' }))
        .then([{ type: 'ProviderUpdated', data: { providerId: 'prv_1', changes: { rateLimitRpm: 600 } } }]);
    });

    it('records nothing when nothing changes', () => {
      spec.given([registered]).when(update({ name: 'openai-main', monthlyBudgetUsd: null })).then([]);
    });

    it('compares against the state after earlier updates', () => {
      const earlier = { type: 'ProviderUpdated', data: { providerId: 'prv_1', changes: { rateLimitRpm: 600 } } } as const;
      spec.given([registered, earlier]).when(update({ rateLimitRpm: 600 })).then([]);
      spec
        .given([registered, earlier])
        .when(update({ rateLimitRpm: null }))
        .then([{ type: 'ProviderUpdated', data: { providerId: 'prv_1', changes: { rateLimitRpm: null } } }]);
    });

    it('records a new credential only when it names another secret, and folds it into the state', () => {
      spec.given([registered]).when(update({ secretId: 'sec_1' })).then([]);
      const replaced = { type: 'ProviderUpdated', data: { providerId: 'prv_1', changes: { secretId: 'sec_2' } } } as const;
      spec.given([registered]).when(update({ secretId: 'sec_2', authMethod: 'bearer' })).then([replaced]);
      spec.given([registered, replaced]).when(update({ secretId: 'sec_2' })).then([]);
      spec.given([registered, replaced]).when(update({ secretId: 'sec_1' })).then([
        { type: 'ProviderUpdated', data: { providerId: 'prv_1', changes: { secretId: 'sec_1' } } },
      ]);
    });

    it('refuses an organization on a provider that is not openai', () => {
      const anthropic = { type: 'ProviderRegistered', data: { ...registered.data, providerType: 'anthropic' } } as const;
      spec.given([anthropic]).when(update({ organizationId: 'org_1' })).thenFails('validation_failed');
    });

    it('reports an unknown or deleted provider as not found', () => {
      spec.given([]).when(update({ rateLimitRpm: 1 })).thenFails('provider_not_found');
      spec.given([registered, deleted]).when(update({ rateLimitRpm: 1 })).thenFails('provider_not_found');
    });
  });

  describe('DeleteProvider', () => {
    it('deletes a provider nothing uses', () => {
      spec.given([registered]).when(remove()).then([deleted]);
    });

    it('deletes a provider together with its models', () => {
      spec.given([registered]).when(remove({ agents: [], models: ['mdl_1', 'mdl_2'] })).then([deleted]);
    });

    it('refuses while agents use it and names every dependent', () => {
      spec
        .given([registered])
        .when(remove({ agents: ['agt_1'], models: ['mdl_1'] }))
        .thenFails('provider_in_use', { dependents: { agents: ['agt_1'], models: ['mdl_1'] } });
    });

    it('reports an unknown or already deleted provider as not found', () => {
      spec.given([]).when(remove()).thenFails('provider_not_found');
      spec.given([registered, deleted]).when(remove()).thenFails('provider_not_found');
    });

    it('cannot register a deleted provider id again', () => {
      spec.given([registered, deleted]).when(register()).thenFails('invalid_state');
    });
  });
});
