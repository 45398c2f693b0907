/** DI tokens for values (not classes) the gateway's modules share. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
/** Where a freshly generated operator key is shown, once. */
export const OPERATOR_KEY_ANNOUNCER = Symbol('OPERATOR_KEY_ANNOUNCER');

export type OperatorKeyAnnouncer = (line: string) => void;
/** A TokenCounter for usage estimates, or null for the gateway's own worker (specs count in-process). */
export const TOKEN_COUNTER = Symbol('TOKEN_COUNTER');
