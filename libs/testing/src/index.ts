export * from './database.js';
export * from './stack.js';
export * from './otlp-collector.js';
export * from './http-client.js';
export * from './event-stream-reader.js';
export * from './kms-emulator.js';
export * from './mock-llm/index.js';
export * from './nats-server.js';
