export { canonicalContext, type KmsContext } from './canonical-context.js';
export { KmsError, isKmsError, kmsErrorToAppError, type DataKey, type KmsErrorCode, type KmsPort, type RewrappedKey, type TenantKeyDestruction } from './kms.port.js';
export { LocalKms, DEFAULT_LOCAL_KMS_DIR, type LocalKmsOptions } from './local.kms.js';
export { AwsKms, type AwsKmsOptions } from './aws.kms.js';
export { createKmsFromEnv } from './kms.factory.js';
export { encryptSecret, decryptSecret, rewrapSecret, type SecretEnvelope } from './envelope.cipher.js';
export { fingerprintOf, hintOf } from './secret.display.js';
export { meteredKms } from './kms.metrics.js';
