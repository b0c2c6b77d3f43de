/**
 * Secrets encryption at rest: the files K3s keeps for it, the aescbc transformer the store's
 * codec applies to secrets, the key management behind `k3s secrets-encrypt`, and its endpoints.
 *
 * @module
 */
export { AESCBC_PREFIX, DecryptError, ProvidersTransformer } from "./aescbc.ts";
export {
  buildConfig,
  type EncryptionConfiguration,
  encryptionPaths,
  newKey,
  STAGES,
} from "./config.ts";
export {
  type EncryptionRequest,
  type EncryptionStatus,
  ROTATE_KEYS_STAGE,
  SecretsEncryption,
} from "./controller.ts";
export { encryptionRoutes } from "./routes.ts";
