export { parseTenantConfig, SCHEMA_URL } from './config.document.js';
export { ConfigError, type ConfigErrorCode } from './config.errors.js';
export { exportTenant, placeholderVariable } from './config.export.js';
export { planChanges, type PlanOptions } from './config.plan.js';
export type * from './config.types.js';
export { renderPlan, type Change, type Plan } from './plan.changes.js';
export { parseSecretReference, resolveSecretReference, type SecretReference, type SecretSources } from './secret-reference.js';
