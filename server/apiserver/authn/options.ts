/**
 * The authentication settings of `--kube-apiserver-arg` (`name=value`, as upstream's flags):
 * service account issuer and audiences with K3s's defaults, the maximum token lifetime, and the
 * token webhook. Arguments this module does not know are left to others.
 *
 * @module
 */
import { ApiserverArgs } from "../apiserver_args.ts";
import { defaultIssuer } from "./sa_claims.ts";
import { DEFAULT_WEBHOOK_CACHE_TTL_MS, type WebhookVersion } from "./webhook.ts";

export interface AuthnSettings {
  /** Accepted bound-token issuers; the first signs new tokens. */
  issuers: string[];
  /** `--api-audiences`: what a token must be meant for to reach this API server. */
  apiAudiences: string[];
  /** `--service-account-max-token-expiration` in seconds, when set. */
  maxTokenExpirationSeconds?: number;
  webhook?: { configFile: string; cacheTtlMs: number; version: WebhookVersion };
}

/** The settings for a cluster domain and the server's `--kube-apiserver-arg` values. */
export function authnSettings(args: readonly string[], clusterDomain: string): AuthnSettings {
  const m = new ApiserverArgs(args);
  const last = (key: string) => m.last(key);
  const list = (key: string) =>
    m.all(key).flatMap((v) => v.split(",")).map((s) => s.trim()).filter((s) => s);
  const issuers = list("service-account-issuer");
  const defaultedIssuers = issuers.length ? issuers : [defaultIssuer(clusterDomain)];
  const audiences = list("api-audiences");
  const settings: AuthnSettings = {
    issuers: defaultedIssuers,
    apiAudiences: audiences.length
      ? audiences
      : issuers.length
      ? [issuers[0]]
      : [defaultIssuer(clusterDomain), "k3s"],
  };
  const max = last("service-account-max-token-expiration");
  if (max) {
    settings.maxTokenExpirationSeconds = Math.floor(
      m.millis("service-account-max-token-expiration")! / 1000,
    );
  }
  const configFile = last("authentication-token-webhook-config-file");
  if (configFile) {
    const ttl = last("authentication-token-webhook-cache-ttl");
    const version = last("authentication-token-webhook-version") ?? "v1beta1";
    if (version !== "v1" && version !== "v1beta1") {
      throw m.invalid("authentication-token-webhook-version", version, "must be v1 or v1beta1");
    }
    settings.webhook = {
      configFile,
      cacheTtlMs: ttl
        ? m.millis("authentication-token-webhook-cache-ttl")!
        : DEFAULT_WEBHOOK_CACHE_TTL_MS,
      version,
    };
  }
  return settings;
}
