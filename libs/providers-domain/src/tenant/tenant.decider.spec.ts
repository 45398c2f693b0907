import { specificationFor } from '@switchboard/domain-kernel/testing';
import { tenantDecider, type TenantCreated } from './tenant.decider.js';

const spec = specificationFor(tenantDecider);
const now = new Date('2030-01-01T00:00:00Z');
const created: TenantCreated = { type: 'TenantCreated', data: { tenantId: 'ten_1', name: 'Acme' } };

describe('tenant decider', () => {
  it('creates a tenant', () => {
    spec
      .given([])
      .when({ type: 'CreateTenant', data: { tenantId: 'ten_1', name: 'Acme', now } })
      .then([created]);
  });

  it('refuses to create the same tenant twice', () => {
    spec
      .given([created])
      .when({ type: 'CreateTenant', data: { tenantId: 'ten_1', name: 'Other', now } })
      .thenFails('invalid_state');
  });

  describe('ChangeTenantSettings', () => {
    const change = (unpricedModels: 'allow' | 'refuse') => ({ type: 'ChangeTenantSettings', data: { tenantId: 'ten_1', changes: { unpricedModels }, now } }) as const;
    const refusing = { type: 'TenantSettingsChanged', data: { tenantId: 'ten_1', changes: { unpricedModels: 'refuse' } } } as const;

    it('records a changed setting', () => {
      spec.given([created]).when(change('refuse')).then([refusing]);
    });

    it('records nothing when the setting already has that value (the default included)', () => {
      spec.given([created]).when(change('allow')).then([]);
      spec.given([created, refusing]).when(change('refuse')).then([]);
      spec.given([created, refusing]).when(change('allow')).then([{ type: 'TenantSettingsChanged', data: { tenantId: 'ten_1', changes: { unpricedModels: 'allow' } } }]);
    });

    it('refuses a tenant that does not exist', () => {
      spec.given([]).when(change('refuse')).thenFails('tenant_not_found');
    });
  });
});
