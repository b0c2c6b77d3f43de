/**
 * Authentication for the API server, in one object for the composition root: the request
 * authenticators (bearer tokens, the K3s join token's basic auth), the token authenticators
 * behind them (service account JWTs, bootstrap tokens, the optional webhook), TokenRequest,
 * the `authentication.k8s.io` reviews, and the legacy service account token controller.
 * Client certificates are authenticated by the TLS layer (see pki/tls_identity.ts).
 *
 * ```ts
 * const authn = new Authentication({ registry, lookup: cacheLookup(registry, cacher), ... });
 * for (const def of authn.resources()) registry.add(def);
 * new ApiServer({ authenticators: authn.authenticators, subresources: authn.subresources(), ... });
 * await authn.start();
 * ```
 *
 * @module
 */
import type { Authenticator } from "../app.ts";
import type { Registry } from "../registry.ts";
import type { ResourceDef } from "../resource.ts";
import { authenticationResources } from "../resources/authentication/mod.ts";
import type { SubresourceHandler } from "../rest.ts";
import { serviceAccountTokenSubresource } from "../subresources/serviceaccount_token.ts";
import { BootstrapTokenAuthenticator } from "./bootstrap_token.ts";
import { type JoinSecrets, JoinTokenAuthenticator } from "./join_token.ts";
import { LegacyTokenController } from "./legacy_token_controller.ts";
import { NODES, type ObjectLookup, PODS, SECRETS, SERVICE_ACCOUNTS } from "./lookup.ts";
import type { AuthnSettings } from "./options.ts";
import { ServiceAccountTokenAuthenticator } from "./sa_authenticator.ts";
import { ServiceAccountTokenSigner } from "./sa_claims.ts";
import {
  audienceAgnostic,
  authenticateTokenWith,
  BearerTokenAuthenticator,
  type TokenAuthenticator,
  type UnionResult,
} from "./token.ts";
import { WebhookTokenAuthenticator } from "./webhook.ts";

export { type AuthnSettings, authnSettings } from "./options.ts";
export { cacheLookup, type ObjectLookup } from "./lookup.ts";
export { AGENT_GROUP, JOIN_TOKEN_GROUPS, type JoinSecrets, SERVER_GROUP } from "./join_token.ts";
export { defaultIssuer, LEGACY_ISSUER } from "./sa_claims.ts";
export type { TokenAuthenticator, TokenResult } from "./token.ts";

export interface AuthenticationOptions {
  registry: Registry;
  lookup: ObjectLookup;
  /** The service account signing key (`server/tls/service.key`) and its public key. */
  serviceAccountKey: { keyPem: string; publicKeyPem: string };
  settings: AuthnSettings;
  /** The cluster CA, written into legacy token secrets as `ca.crt`. */
  caPem: string;
  /** The join token secrets; without them basic auth authenticates no one. */
  joinSecrets?: JoinSecrets | (() => JoinSecrets);
  now?: () => Date;
  log?: (message: string) => void;
}

export class Authentication {
  readonly settings: AuthnSettings;
  readonly signer: ServiceAccountTokenSigner;
  /** The bearer token authenticators, in the order they are asked. */
  readonly tokenAuthenticators: TokenAuthenticator[];
  /** The request authenticators for `ApiServerOptions.authenticators`. */
  readonly authenticators: Authenticator[];
  #opts: AuthenticationOptions;
  #controller: LegacyTokenController;

  constructor(opts: AuthenticationOptions) {
    this.#opts = opts;
    this.settings = opts.settings;
    const { apiAudiences, issuers } = opts.settings;
    this.signer = new ServiceAccountTokenSigner(
      opts.serviceAccountKey.keyPem,
      opts.serviceAccountKey.publicKeyPem,
    );
    this.tokenAuthenticators = [
      new ServiceAccountTokenAuthenticator({
        publicKeyPems: [opts.serviceAccountKey.publicKeyPem],
        issuers,
        apiAudiences,
        lookup: opts.lookup,
        now: opts.now,
      }),
      audienceAgnostic(new BootstrapTokenAuthenticator(opts.lookup, opts.now), apiAudiences),
    ];
    const webhook = opts.settings.webhook;
    if (webhook) {
      this.tokenAuthenticators.push(
        new WebhookTokenAuthenticator({
          configFile: webhook.configFile,
          cacheTtlMs: webhook.cacheTtlMs,
          version: webhook.version,
          apiAudiences,
        }),
      );
    }
    this.authenticators = [new BearerTokenAuthenticator(this.tokenAuthenticators, apiAudiences)];
    if (opts.joinSecrets) this.authenticators.push(new JoinTokenAuthenticator(opts.joinSecrets));
    this.#controller = new LegacyTokenController({
      registry: opts.registry,
      signer: this.signer,
      caPem: opts.caPem,
      log: opts.log,
    });
  }

  /** Authenticates a token as TokenReview does (the API audiences when none are named). */
  review = (token: string, audiences: string[]): Promise<UnionResult> =>
    authenticateTokenWith(
      this.tokenAuthenticators,
      token,
      audiences.length ? audiences : this.settings.apiAudiences,
    );

  /** TokenReview and SelfSubjectReview, to register. */
  resources(): ResourceDef[] {
    return authenticationResources(this.review);
  }

  /** `serviceaccounts/token`, for `ApiServerOptions.subresources`. */
  subresources(): Record<string, SubresourceHandler> {
    return serviceAccountTokenSubresource({
      signer: this.signer,
      issuer: this.settings.issuers[0],
      apiAudiences: this.settings.apiAudiences,
      maxExpirationSeconds: this.settings.maxTokenExpirationSeconds,
      registry: this.#opts.registry,
    });
  }

  /** Fills the watch caches lookups read, and starts the legacy token controller. */
  async start(): Promise<void> {
    for (const kind of [SERVICE_ACCOUNTS, PODS, SECRETS, NODES]) {
      await this.#opts.lookup.list(kind, "");
    }
    await this.#controller.start();
  }

  /** Resolves once the legacy token controller has nothing queued. */
  settled(): Promise<void> {
    return this.#controller.idle();
  }

  stop(): void {
    this.#controller.stop();
  }
}
