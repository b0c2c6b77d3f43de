/**
 * Token authentication: the {@link TokenAuthenticator} interface every bearer-token mechanism
 * implements (service account JWTs, bootstrap tokens, the webhook), the union that asks each in
 * turn, and the request-level {@link Authenticator} that takes the token from the request.
 *
 * Audiences follow upstream: a request is authenticated for a set of audiences (the API
 * server's own unless a TokenReview names others); an authenticator that knows the token's
 * audiences answers with the intersection, and one that does not ("audience agnostic") is valid
 * only for the API server's audiences.
 *
 * @module
 */
import type { Authenticator } from "../app.ts";
import type { UserInfo } from "../resource.ts";

/** A token's user and the audiences it was found valid for. */
export interface TokenResult {
  user: UserInfo;
  audiences: string[];
}

/**
 * Authenticates one kind of token. Returns null for a token of another kind (the next
 * authenticator is asked); throws {@link InvalidTokenError} for a token of its kind that is not
 * valid (expired, bad signature, deleted object).
 */
export interface TokenAuthenticator {
  authenticateToken(token: string, audiences: readonly string[]): Promise<TokenResult | null>;
}

/** A token of the authenticator's kind that does not authenticate anyone; the message says why. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** What the union found: a user, or the reasons every authenticator gave. */
export type UnionResult = { ok: true; result: TokenResult } | { ok: false; errors: string[] };

/** Asks each authenticator in order; the first user wins. */
export async function authenticateTokenWith(
  authenticators: readonly TokenAuthenticator[],
  token: string,
  audiences: readonly string[],
): Promise<UnionResult> {
  const errors: string[] = [];
  for (const a of authenticators) {
    try {
      const result = await a.authenticateToken(token, audiences);
      if (result) return { ok: true, result };
    } catch (err) {
      errors.push(err instanceof InvalidTokenError ? err.message : "token could not be verified");
      if (!(err instanceof InvalidTokenError)) {
        console.error(`authentication: token authenticator failed: ${(err as Error).message}`);
      }
    }
  }
  return { ok: false, errors };
}

/** The intersection of two audience lists, in the order of `a`. */
export function intersect(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x));
}

/**
 * Wraps an authenticator that does not know audiences (bootstrap tokens, legacy service account
 * tokens): its users are valid only when the requested audiences include the API server's.
 */
export function audienceAgnostic(
  inner: TokenAuthenticator,
  apiAudiences: readonly string[],
): TokenAuthenticator {
  return {
    async authenticateToken(token, audiences) {
      const result = await inner.authenticateToken(token, audiences);
      if (!result) return null;
      const valid = intersect(audiences, apiAudiences);
      if (valid.length === 0) {
        throw new InvalidTokenError(
          `token audiences ${JSON.stringify(apiAudiences)} is invalid for the target audiences ${
            JSON.stringify(audiences)
          }`,
        );
      }
      return { user: result.user, audiences: valid };
    },
  };
}

const BEARER = /^bearer\s+(\S+)\s*$/i;
const WEBSOCKET_PROTOCOL = "base64url.bearer.authorization.k8s.io.";

/**
 * The bearer token of a request: `Authorization: Bearer <token>`, or for WebSocket clients
 * (which cannot set headers) the `base64url.bearer.authorization.k8s.io.<token>` subprotocol.
 */
export function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header !== null) return BEARER.exec(header)?.[1] ?? null;
  const protocols = req.headers.get("sec-websocket-protocol");
  if (!protocols) return null;
  for (const p of protocols.split(",")) {
    const v = p.trim();
    if (!v.startsWith(WEBSOCKET_PROTOCOL)) continue;
    try {
      const b64 = v.slice(WEBSOCKET_PROTOCOL.length).replace(/-/g, "+").replace(/_/g, "/");
      const text = atob(b64 + "=".repeat((4 - b64.length % 4) % 4));
      return text || null;
    } catch {
      return null;
    }
  }
  return null;
}

/** The request authenticator for bearer tokens, over the token authenticators in order. */
export class BearerTokenAuthenticator implements Authenticator {
  #authenticators: readonly TokenAuthenticator[];
  #apiAudiences: readonly string[];

  constructor(authenticators: readonly TokenAuthenticator[], apiAudiences: readonly string[]) {
    this.#authenticators = authenticators;
    this.#apiAudiences = apiAudiences;
  }

  async authenticate(req: Request): Promise<UserInfo | null> {
    const token = bearerToken(req);
    if (!token) return null;
    const r = await authenticateTokenWith(this.#authenticators, token, this.#apiAudiences);
    return r.ok ? r.result.user : null;
  }
}
