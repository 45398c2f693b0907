export * from './event-store.types.js';
export { createDataSource, pgClientConfig, type DataSourceOptions } from './data-source.js';
export { runMigrations, schemaIdentifier, type Migration } from './migrations.js';
export { PgEventStore } from './pg-event-store.js';
export { foldStream, type Decider } from './decider.js';
export { handleCommand, versionConflictError, type HandleCommandArgs, type HandledCommand } from './command.handler.js';
export { ProjectionRunner, type Projection, type ProjectionRunnerOptions } from './projection.runner.js';
export { OutboxRelay, type OutboxRelayOptions, type RelayBatch } from './outbox.relay.js';
export { BackgroundLoop, backoffDelay, errorMessage, type BackgroundLoopOptions, type BackgroundWork } from './background.loop.js';
