/**
 * Webhook token authentication (`--authentication-token-webhook-config-file`): the token is
 * POSTed as a `TokenReview` to the service a kubeconfig names, and its answer is cached for
 * `--authentication-token-webhook-cache-ttl` (2m), keyed by a hash of the token (the token itself
 * is never kept).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { loadKubeconfig } from "../../../kube/kubeconfig.ts";
import type { UserInfo } from "../resource.ts";
import { type HttpResult, requestWith, type Target } from "./https_client.ts";
import {
  intersect,
  InvalidTokenError,
  type TokenAuthenticator,
  type TokenResult,
} from "./token.ts";

export const DEFAULT_WEBHOOK_CACHE_TTL_MS = 120_000;
const MAX_CACHE_ENTRIES = 4096;
const ATTEMPTS = 3;

export type WebhookVersion = "v1" | "v1beta1";

export interface WebhookOptions {
  /** The webhook's kubeconfig: the cluster's server is the URL to POST to. */
  configFile: string;
  cacheTtlMs?: number;
  /** `--authentication-token-webhook-version`; upstream's default is v1beta1. */
  version?: WebhookVersion;
  apiAudiences: string[];
  now?: () => number;
  /** Sends one TokenReview (tests replace it); defaults to an HTTPS POST per the kubeconfig. */
  post?: (review: Record<string, unknown>) => Promise<HttpResult>;
}

type Cached = { expires: number; result: TokenResult } | { expires: number; error: string };

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The user of a TokenReview's `status.user`. */
function userOf(u: Record<string, unknown>): UserInfo {
  const user: UserInfo = { name: String(u.username ?? ""), groups: strings(u.groups) };
  if (typeof u.uid === "string" && u.uid) user.uid = u.uid;
  if (u.extra && typeof u.extra === "object") {
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(u.extra as Record<string, unknown>)) extra[k] = strings(v);
    if (Object.keys(extra).length) user.extra = extra;
  }
  return user;
}

export class WebhookTokenAuthenticator implements TokenAuthenticator {
  #ttl: number;
  #version: WebhookVersion;
  #apiAudiences: string[];
  #now: () => number;
  #post: (review: Record<string, unknown>) => Promise<HttpResult>;
  #cache = new Map<string, Cached>();

  constructor(opts: WebhookOptions) {
    this.#ttl = opts.cacheTtlMs ?? DEFAULT_WEBHOOK_CACHE_TTL_MS;
    this.#version = opts.version ?? "v1beta1";
    this.#apiAudiences = [...opts.apiAudiences];
    this.#now = opts.now ?? Date.now;
    let target: Promise<Target> | null = null;
    this.#post = opts.post ?? (async (review) => {
      target ??= loadKubeconfig(opts.configFile);
      const t = await target;
      return await requestWith(t, "POST", t.server, { body: review, timeoutMs: 10_000 });
    });
  }

  async authenticateToken(
    token: string,
    audiences: readonly string[],
  ): Promise<TokenResult | null> {
    const key = createHash("sha256").update(token).update("\0").update(audiences.join("\0"))
      .digest("base64");
    const now = this.#now();
    let entry = this.#cache.get(key);
    if (!entry || entry.expires <= now) {
      entry = await this.#review(token, audiences);
      this.#remember(key, entry);
    }
    if ("error" in entry) throw new InvalidTokenError(entry.error);
    return entry.result;
  }

  #remember(key: string, entry: Cached): void {
    this.#cache.delete(key);
    if (this.#ttl <= 0) return;
    this.#cache.set(key, entry);
    if (this.#cache.size > MAX_CACHE_ENTRIES) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
  }

  async #review(token: string, audiences: readonly string[]): Promise<Cached> {
    const review = {
      apiVersion: `authentication.k8s.io/${this.#version}`,
      kind: "TokenReview",
      spec: { token, audiences: [...audiences] },
    };
    let res: HttpResult | null = null;
    let failure = "";
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        res = await this.#post(review);
        if (res.status < 500 && res.status !== 429) break;
        failure = `webhook answered ${res.status}`;
      } catch (err) {
        failure = (err as Error).message;
      }
      res = null;
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    // A webhook that cannot be reached decides nothing: not cached, the token is refused.
    if (!res) throw new Error(`Cannot reach the token webhook: ${failure}`);
    const expires = this.#now() + this.#ttl;
    if (res.status !== 200 && res.status !== 201) {
      return { expires, error: `the token webhook refused the review (${res.status})` };
    }
    let status: Record<string, unknown>;
    try {
      status = (JSON.parse(res.body).status ?? {}) as Record<string, unknown>;
    } catch {
      return { expires, error: "the token webhook answered with something other than JSON" };
    }
    if (status.authenticated !== true) {
      return { expires, error: typeof status.error === "string" ? status.error : "token refused" };
    }
    const answered = strings(status.audiences);
    const valid = intersect(audiences, answered.length ? answered : this.#apiAudiences);
    if (valid.length === 0) {
      return { expires, error: "the token webhook's audiences do not match the request" };
    }
    const user = userOf((status.user ?? {}) as Record<string, unknown>);
    if (!user.name) return { expires, error: "the token webhook named no user" };
    return { expires, result: { user, audiences: valid } };
  }
}
