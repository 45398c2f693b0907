export * from './secret/secret.decider.js';
export * from './recipient/recipient.decider.js';
export * from './issuance/issuance.decider.js';
