/**
 * Service account token claims as upstream Kubernetes writes them, and the ES256 signer.
 *
 * Bound tokens (TokenRequest) carry `iss`, `sub` (`system:serviceaccount:<ns>:<name>`), `aud`,
 * `exp`, `iat`, `nbf`, `jti` and a private `kubernetes.io` claim naming the service account and
 * the object the token is bound to. Legacy tokens (kept in `kubernetes.io/service-account-token`
 * secrets) have the issuer `kubernetes/serviceaccount`, no expiry and flat private claims.
 *
 * @module
 */
import { createHash, createPublicKey } from "node:crypto";
import { importPKCS8, SignJWT } from "jose";

/** The issuer of legacy (secret-based) service account tokens. */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";

/** K3s's `--service-account-issuer`: `https://kubernetes.default.svc.<cluster domain>`. */
export function defaultIssuer(clusterDomain: string): string {
  return `https://kubernetes.default.svc.${clusterDomain.replace(/^\.+|\.+$/g, "")}`;
}

export const SA_USER_PREFIX = "system:serviceaccount:";

/** `system:serviceaccount:<ns>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_USER_PREFIX}${namespace}:${name}`;
}

/** A name and uid, as the private claims reference objects. */
export interface ObjectRef {
  name: string;
  uid: string;
}

/** The `kubernetes.io` private claim of a bound token. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

/** The claims of a bound token. */
export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  "kubernetes.io": KubernetesClaim;
}

/** The claims of a legacy token. */
export interface LegacyClaims {
  iss: typeof LEGACY_ISSUER;
  sub: string;
  "kubernetes.io/serviceaccount/namespace": string;
  "kubernetes.io/serviceaccount/secret.name": string;
  "kubernetes.io/serviceaccount/service-account.name": string;
  "kubernetes.io/serviceaccount/service-account.uid": string;
}

/** What a bound token is issued for. */
export interface BoundTokenSpec {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  expirationSeconds: number;
  now: Date;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** The bound node, or the node of the bound pod. */
  node?: ObjectRef;
  /** Defaults to a random UUID. */
  jti?: string;
}

/** The claims of a bound token, as upstream's `serviceaccount.Claims`. */
export function boundClaims(spec: BoundTokenSpec): BoundClaims {
  const iat = Math.floor(spec.now.getTime() / 1000);
  const k8s: KubernetesClaim = {
    namespace: spec.namespace,
    serviceaccount: { ...spec.serviceAccount },
  };
  if (spec.pod) k8s.pod = { ...spec.pod };
  else if (spec.secret) k8s.secret = { ...spec.secret };
  if (spec.node) k8s.node = { ...spec.node };
  return {
    iss: spec.issuer,
    sub: serviceAccountUsername(spec.namespace, spec.serviceAccount.name),
    aud: [...spec.audiences],
    exp: iat + spec.expirationSeconds,
    iat,
    nbf: iat,
    jti: spec.jti ?? crypto.randomUUID(),
    "kubernetes.io": k8s,
  };
}

/** The claims of the legacy token kept in `secretName` for a service account. */
export function legacyClaims(
  namespace: string,
  serviceAccount: ObjectRef,
  secretName: string,
): LegacyClaims {
  return {
    iss: LEGACY_ISSUER,
    sub: serviceAccountUsername(namespace, serviceAccount.name),
    "kubernetes.io/serviceaccount/namespace": namespace,
    "kubernetes.io/serviceaccount/secret.name": secretName,
    "kubernetes.io/serviceaccount/service-account.name": serviceAccount.name,
    "kubernetes.io/serviceaccount/service-account.uid": serviceAccount.uid,
  };
}

/** Upstream's key id: unpadded base64url of the SHA-256 of the public key's DER (SPKI). */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64url");
}

/** Signs service account tokens with the server's ECDSA P-256 key (ES256). */
export class ServiceAccountTokenSigner {
  #key: ReturnType<typeof importPKCS8>;
  #kid: string;

  constructor(keyPem: string, publicKeyPem: string) {
    this.#key = importPKCS8(keyPem, "ES256");
    this.#kid = keyIdOf(publicKeyPem);
  }

  async sign(claims: BoundClaims | LegacyClaims): Promise<string> {
    return await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "ES256", kid: this.#kid })
      .sign(await this.#key);
  }
}
