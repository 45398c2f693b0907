export { SEAL_ALG, sealCredential, openCredential, type SealContext, type SealedCredential } from './credential.sealing.js';
export { generateRecipientKeyPair, parseRecipientPublicKey, type RecipientKeyPair } from './recipient-key.js';
export { sealForTransport, openFromTransport, type TransportContext } from './transport.sealing.js';
