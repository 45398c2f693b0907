export * from './translate.types.js';
export * from './reasons.js';
export * from './translate-request.js';
export * from './translate-response.js';
export * from './stream/index.js';
