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
});
