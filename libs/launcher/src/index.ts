export * from './database.js';
export * from './running-stack.guard.js';
export * from './service.processes.js';
