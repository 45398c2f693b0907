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

describe('tenant deletion', () => {
  const started = { type: 'TenantDeletionStarted', data: { tenantId: 'ten_1' } } as const;
  const deleted = { type: 'TenantDeleted', data: { tenantId: 'ten_1', kmsKeyId: 'tenant-ten_1', keyDeletionDate: '2030-01-08T00:00:00.000Z' } } as const;
  const start = { type: 'StartTenantDeletion', data: { tenantId: 'ten_1', now } } as const;
  const complete = { type: 'CompleteTenantDeletion', data: { tenantId: 'ten_1', kmsKeyId: 'tenant-ten_1', keyDeletionDate: '2030-01-08T00:00:00.000Z', now } } as const;

  it('starts, then completes once the data keys are destroyed', () => {
    spec.given([created]).when(start).then([started]);
    spec.given([created, started]).when(complete).then([deleted]);
  });

  it('resumes a deletion that stopped midway: starting again records nothing and succeeds', () => {
    spec.given([created, started]).when(start).then([]);
  });

  it('refuses a tenant that is deleted or unknown, and completing a deletion that never started', () => {
    spec.given([created, started, deleted]).when(start).thenFails('tenant_not_found');
    spec.given([]).when(start).thenFails('tenant_not_found');
    spec.given([created]).when(complete).thenFails('invalid_state');
    spec.given([created, started, deleted]).when(complete).then([]);
  });

  it('takes no more settings once deletion started', () => {
    spec
      .given([created, started])
      .when({ type: 'ChangeTenantSettings', data: { tenantId: 'ten_1', changes: { unpricedModels: 'refuse' }, now } })
      .thenFails('tenant_not_found');
  });
});
