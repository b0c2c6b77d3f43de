/**
 * Bootstrap tokens (`<id>.<secret>`, as kubeadm and `k3s token create` make them): the token
 * authenticates as `system:bootstrap:<id>` in `system:bootstrappers` (plus the secret's extra
 * groups) while `kube-system/bootstrap-token-<id>` exists, is of type
 * `bootstrap.kubernetes.io/token`, holds the same secret, allows authentication and has not
 * expired. The secret is read from the watch cache.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { KubeObject } from "../../../kube/meta.ts";
import { type ObjectLookup, SECRETS } from "./lookup.ts";
import { InvalidTokenError, type TokenAuthenticator, type TokenResult } from "./token.ts";

export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = "bootstrap-token-";
export const BOOTSTRAPPERS_GROUP = "system:bootstrappers";
export const BOOTSTRAP_USER_PREFIX = "system:bootstrap:";
const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** The data keys of a bootstrap token secret. */
export const BOOTSTRAP_KEYS = {
  id: "token-id",
  secret: "token-secret",
  description: "description",
  expiration: "expiration",
  usagePrefix: "usage-bootstrap-",
  extraGroups: "auth-extra-groups",
} as const;

/** One data value of a secret, decoded from base64 ("" when absent or not base64). */
export function secretValue(secret: KubeObject, key: string): string {
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const v = data[key];
  if (typeof v !== "string") return "";
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}

function equal(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The extra groups of a bootstrap token secret; throws when one is not allowed. */
export function extraGroups(secret: KubeObject): string[] {
  const text = secretValue(secret, BOOTSTRAP_KEYS.extraGroups);
  if (!text) return [];
  const groups = text.split(",").map((g) => g.trim()).filter((g) => g !== "");
  for (const g of groups) {
    if (!EXTRA_GROUP_PATTERN.test(g)) {
      throw new InvalidTokenError(`bootstrap token has an invalid extra group: ${g}`);
    }
  }
  return groups;
}

export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  #lookup: ObjectLookup;
  #now: () => Date;

  constructor(lookup: ObjectLookup, now: () => Date = () => new Date()) {
    this.#lookup = lookup;
    this.#now = now;
  }

  async authenticateToken(token: string): Promise<TokenResult | null> {
    const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
    if (!m) return null;
    const [, id, secretPart] = m;
    const name = BOOTSTRAP_TOKEN_SECRET_PREFIX + id;
    const secret = await this.#lookup.get(SECRETS, "kube-system", name);
    // One message for every refusal, so that a caller learns nothing about which ids exist.
    const refuse = () => new InvalidTokenError("invalid bootstrap token");
    if (!secret || secret.metadata.deletionTimestamp) throw refuse();
    if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) throw refuse();
    if (!equal(secretValue(secret, BOOTSTRAP_KEYS.secret), secretPart)) throw refuse();
    if (secretValue(secret, BOOTSTRAP_KEYS.id) !== id) throw refuse();
    const expiration = secretValue(secret, BOOTSTRAP_KEYS.expiration);
    if (expiration) {
      const at = Date.parse(expiration);
      if (Number.isNaN(at) || at <= this.#now().getTime()) throw refuse();
    }
    if (secretValue(secret, `${BOOTSTRAP_KEYS.usagePrefix}authentication`) !== "true") {
      throw refuse();
    }
    const groups = [BOOTSTRAPPERS_GROUP, ...extraGroups(secret)];
    return {
      user: { name: BOOTSTRAP_USER_PREFIX + id, groups: [...new Set(groups)] },
      audiences: [],
    };
  }
}
