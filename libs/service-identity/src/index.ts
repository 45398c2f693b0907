export { ED25519_KEY_BYTES, generateServiceKeyPair, keyIdOf, loadSigningKey, parsePublicKey, signText, verifyText } from './ed25519.js';
export type { ServiceKeyPair, SigningKey } from './ed25519.js';
export { TrustedKeys, MAX_KEYS_PER_SERVICE, type TrustedKey } from './trusted-keys.js';
export { ReplayWindow } from './replay.window.js';
export { BUS_TOKEN_HEADER, bodyHash } from './bus-token.js';
export { EVENT_PROOF_HEADER, ServiceIdentity, callerRefused } from './service-identity.js';
export type { RefusalReason, ServiceIdentityOptions, StatementSignature, VerifiedRequest } from './service-identity.js';
export { secretFileProblem, serviceIdentityFromEnv } from './identity.config.js';
export { ensureServiceKeyFiles, keyFileOf, retireServiceKey, rotateServiceKey, TRUSTED_KEYS_FILE } from './service-key.files.js';
