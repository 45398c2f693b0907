export * from './tenant/tenant.decider.js';
export * from './access-key/access-key.decider.js';
export * from './provider/provider.decider.js';
export * from './provider/provider-settings.js';
export * from './model/model.decider.js';
export * from './agent/agent.decider.js';
export * from './agent-start/agent-start.decider.js';
export * from './provider/default-model.js';
