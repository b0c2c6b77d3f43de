/**
 * The service account token authenticator: verifies the ES256 signature, the expiry and the
 * audiences of a bound token, then that the service account (and the pod, secret or node the
 * token is bound to) still exists with the uid the token names. Legacy tokens are accepted while
 * their secret exists and still holds that exact token.
 *
 * Objects are looked up in the watch caches ({@link ObjectLookup}), never read from the
 * datastore per request.
 *
 * @module
 */
import { decodeJwt, errors as joseErrors, importSPKI, jwtVerify } from "jose";
import type { KubeObject } from "../../../kube/meta.ts";
import type { UserInfo } from "../resource.ts";
import {
  NODES,
  type ObjectKind,
  type ObjectLookup,
  PODS,
  SECRETS,
  SERVICE_ACCOUNTS,
} from "./lookup.ts";
import {
  type KubernetesClaim,
  LEGACY_ISSUER,
  type ObjectRef,
  serviceAccountUsername,
} from "./sa_claims.ts";
import {
  intersect,
  InvalidTokenError,
  type TokenAuthenticator,
  type TokenResult,
} from "./token.ts";

/** Keys of the user's `extra`, as upstream. */
export const EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
export const EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";
export const EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
export const EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid";
export const EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

/** go-jose's default leeway for exp/nbf, and for objects being deleted. */
const LEEWAY_SECONDS = 60;
/** A token this young may name objects the watch cache has not seen yet. */
const FRESH_MS = 10_000;

export interface ServiceAccountAuthenticatorOptions {
  /** Public keys (SPKI PEM) whose signatures are accepted. */
  publicKeyPems: string[];
  /** Issuers of bound tokens that are accepted (`--service-account-issuer`). */
  issuers: string[];
  /** The API server's audiences, for legacy tokens (which carry none). */
  apiAudiences: string[];
  lookup: ObjectLookup;
  now?: () => Date;
}

/** What a validated token says about its service account. */
interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  nodeUid?: string;
  credentialId?: string;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function refOf(v: unknown): ObjectRef | undefined {
  if (!v || typeof v !== "object") return undefined;
  const r = v as Record<string, unknown>;
  return { name: str(r.name), uid: str(r.uid) };
}

/** The `UserInfo` of a service account, as upstream's `ServiceAccountInfo.UserInfo()`. */
function userOf(sa: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUid) {
    extra[EXTRA_POD_NAME] = [sa.podName];
    extra[EXTRA_POD_UID] = [sa.podUid];
  }
  if (sa.credentialId) extra[EXTRA_CREDENTIAL_ID] = [sa.credentialId];
  if (sa.nodeName) {
    extra[EXTRA_NODE_NAME] = [sa.nodeName];
    if (sa.nodeUid) extra[EXTRA_NODE_UID] = [sa.nodeUid];
  }
  const user: UserInfo = {
    name: serviceAccountUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`],
  };
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  #keys: Promise<Awaited<ReturnType<typeof importSPKI>>[]>;
  #issuers: string[];
  #apiAudiences: string[];
  #lookup: ObjectLookup;
  #now: () => Date;

  constructor(opts: ServiceAccountAuthenticatorOptions) {
    this.#keys = Promise.all(opts.publicKeyPems.map((pem) => importSPKI(pem, "ES256")));
    this.#issuers = [...opts.issuers];
    this.#apiAudiences = [...opts.apiAudiences];
    this.#lookup = opts.lookup;
    this.#now = opts.now ?? (() => new Date());
  }

  async authenticateToken(
    token: string,
    audiences: readonly string[],
  ): Promise<TokenResult | null> {
    let unverified;
    try {
      unverified = decodeJwt(token);
    } catch {
      return null;
    }
    const iss = str(unverified.iss);
    const legacy = iss === LEGACY_ISSUER;
    if (!legacy && !this.#issuers.includes(iss)) return null;
    const payload = await this.#verify(token);
    const now = this.#now();
    if (legacy) {
      const valid = intersect(audiences, this.#apiAudiences);
      if (valid.length === 0) {
        throw new InvalidTokenError(
          `token audiences ${
            JSON.stringify(this.#apiAudiences)
          } is invalid for the target audiences ${JSON.stringify(audiences)}`,
        );
      }
      return { user: userOf(await this.#validateLegacy(token, payload)), audiences: valid };
    }
    const tokenAudiences = typeof payload.aud === "string"
      ? [payload.aud]
      : Array.isArray(payload.aud)
      ? payload.aud.map(str)
      : [];
    const valid = intersect(tokenAudiences, audiences);
    if (valid.length === 0) {
      throw new InvalidTokenError(
        `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${
          JSON.stringify(audiences)
        }`,
      );
    }
    if (typeof payload.exp !== "number") {
      throw new InvalidTokenError("service account token has no expiry");
    }
    const info = await this.#validateBound(payload, now);
    return { user: userOf(info), audiences: valid };
  }

  async #verify(token: string): Promise<Record<string, unknown>> {
    let expired = false;
    for (const key of await this.#keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["ES256"],
          clockTolerance: LEEWAY_SECONDS,
          currentDate: this.#now(),
        });
        return payload as Record<string, unknown>;
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) expired = true;
        else if (err instanceof joseErrors.JWTClaimValidationFailed) {
          throw new InvalidTokenError("service account token is not valid yet");
        }
      }
    }
    throw new InvalidTokenError(
      expired ? "service account token has expired" : "service account token signature is invalid",
    );
  }

  /** The object, from the cache; a token minted moments ago waits once for the cache. */
  async #find(kind: ObjectKind, ns: string, name: string, iat: number | undefined) {
    const found = await this.#lookup.get(kind, ns, name);
    if (found || iat === undefined || this.#now().getTime() - iat * 1000 > FRESH_MS) return found;
    await this.#lookup.sync();
    return await this.#lookup.get(kind, ns, name);
  }

  #gone(obj: KubeObject, now: Date): boolean {
    const ts = obj.metadata.deletionTimestamp;
    return !!ts && Date.parse(ts) < now.getTime() - LEEWAY_SECONDS * 1000;
  }

  async #validateBound(payload: Record<string, unknown>, now: Date): Promise<ServiceAccountInfo> {
    const k8s = (payload["kubernetes.io"] ?? {}) as Partial<Record<keyof KubernetesClaim, unknown>>;
    const namespace = str(k8s.namespace);
    const sa = refOf(k8s.serviceaccount);
    if (!namespace || !sa?.name) {
      throw new InvalidTokenError("service account token does not name a service account");
    }
    const iat = typeof payload.iat === "number" ? payload.iat : undefined;
    await this.#checkServiceAccount(namespace, sa, iat, now);
    const info: ServiceAccountInfo = { namespace, name: sa.name, uid: sa.uid };
    const jti = str(payload.jti);
    if (jti) info.credentialId = `JTI=${jti}`;
    const secret = refOf(k8s.secret);
    if (secret) await this.#checkBound(SECRETS, namespace, secret, iat, now);
    const pod = refOf(k8s.pod);
    if (pod) {
      await this.#checkBound(PODS, namespace, pod, iat, now);
      info.podName = pod.name;
      info.podUid = pod.uid;
    }
    const node = refOf(k8s.node);
    if (node) {
      // A pod-bound token names its pod's node for information; a node-bound one is checked.
      if (!pod && !secret) await this.#checkBound(NODES, "", node, iat, now);
      info.nodeName = node.name;
      if (node.uid) info.nodeUid = node.uid;
    }
    return info;
  }

  async #checkServiceAccount(ns: string, ref: ObjectRef, iat: number | undefined, now: Date) {
    const obj = await this.#find(SERVICE_ACCOUNTS, ns, ref.name, iat);
    if (!obj) throw new InvalidTokenError(`serviceaccounts "${ref.name}" not found`);
    if (this.#gone(obj, now)) {
      throw new InvalidTokenError(`service account ${ns}/${ref.name} has been deleted`);
    }
    if (obj.metadata.uid !== ref.uid) {
      throw new InvalidTokenError(
        `service account UID (${obj.metadata.uid}) does not match claim (${ref.uid})`,
      );
    }
  }

  async #checkBound(
    kind: ObjectKind,
    ns: string,
    ref: ObjectRef,
    iat: number | undefined,
    now: Date,
  ) {
    const obj = await this.#find(kind, ns, ref.name, iat);
    if (!obj || this.#gone(obj, now) || obj.metadata.uid !== ref.uid) {
      throw new InvalidTokenError("service account token has been invalidated");
    }
  }

  async #validateLegacy(token: string, payload: Record<string, unknown>) {
    const ns = str(payload["kubernetes.io/serviceaccount/namespace"]);
    const secretName = str(payload["kubernetes.io/serviceaccount/secret.name"]);
    const name = str(payload["kubernetes.io/serviceaccount/service-account.name"]);
    const uid = str(payload["kubernetes.io/serviceaccount/service-account.uid"]);
    if (!ns || !secretName || !name) {
      throw new InvalidTokenError("service account token does not name a service account");
    }
    const now = this.#now();
    const secret = await this.#lookup.get(SECRETS, ns, secretName);
    const data = (secret?.data ?? {}) as Record<string, unknown>;
    if (!secret || this.#gone(secret, now) || str(data.token) !== btoa(token)) {
      throw new InvalidTokenError("service account token has been invalidated");
    }
    await this.#checkServiceAccount(ns, { name, uid }, undefined, now);
    return { namespace: ns, name, uid };
  }
}
