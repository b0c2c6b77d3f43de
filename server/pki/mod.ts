/**
 * The server's PKI: CAs and certificates in K3s's `server/tls` layout, join tokens, and the
 * user a verified TLS client certificate identifies.
 *
 * @module
 */

export {
  CA_DAYS,
  type CertAndKey,
  type CertInfo,
  certInfo,
  type CertUsage,
  createCa,
  type CreateCaOptions,
  LEAF_DAYS,
  needsRenewal,
  normalizeSan,
  RENEW_WITHIN_DAYS,
  signCertificate,
  type SignCertificateOptions,
} from "./cert.ts";
export { type IsolatedPki, pkiOptions } from "./isolated.ts";
export { firstIpOf } from "./net.ts";
export {
  type CertFiles,
  type ClientCerts,
  loadOrCreatePki,
  type Pki,
  type PkiOptions,
  servingSans,
} from "./pki.ts";
export {
  caHashOf,
  formatToken,
  loadOrCreateTokens,
  type ParsedToken,
  parseToken,
  type ServerTokens,
  TOKEN_PREFIX,
  type TokenOptions,
  verifyCaHash,
} from "./token.ts";
export { type PeerSocket, type TlsUser, tlsUser } from "./tls_identity.ts";
