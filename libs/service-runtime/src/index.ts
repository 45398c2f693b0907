export { openServiceStore, type ServiceDefinition } from './service.store.js';
export { startService, type RunningService, type ServiceRuntime, type ServiceStartOptions } from './service.start.js';
export { runServiceMain, type MainContext, type StartedMain } from './service.main.js';
export { exitOnServiceArguments, serviceUsage } from './service.command-line.js';
export { postgresReachable, type ProbedDataSource } from './postgres.probe.js';
export { TenantQuotas, countedBy, quotaVariable, quotasFromEnv, tenantQuotasMigration, type QuotaCounter } from './tenant-quotas.js';
export { eventsReplicasFromEnv, streamReplicas, MAX_STREAM_REPLICAS } from './stream-replicas.js';
