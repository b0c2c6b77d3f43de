/**
 * TokenReview: a client (a webhook-authenticated service, an aggregated API server) asks whether
 * a bearer token is valid for some audiences and whose it is. The token goes through the same
 * token authenticators as a request's bearer token would.
 *
 * @module
 */
import { badRequest } from "../../../../kube/errors.ts";
import { isJsonObject } from "../../../../kube/meta.ts";
import type { UnionResult } from "../../authn/token.ts";
import type { ResourceDef, UserInfo } from "../../resource.ts";

export const AUTHENTICATION_GROUP = "authentication.k8s.io";

/** Authenticates a token for audiences (the API server's when `audiences` is empty). */
export type TokenReviewer = (token: string, audiences: string[]) => Promise<UnionResult>;

/** `authentication.k8s.io/v1` `UserInfo` of a user. */
export function userInfoOf(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.name };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out.extra = user.extra;
  return out;
}

export function tokenReviewResource(review: TokenReviewer): ResourceDef {
  return {
    group: AUTHENTICATION_GROUP,
    versions: ["v1"],
    kind: "TokenReview",
    plural: "tokenreviews",
    singular: "tokenreview",
    namespaced: false,
    verbs: ["create"],
    async virtualCreate(obj, ctx) {
      const spec = isJsonObject(obj.spec) ? obj.spec : {};
      const token = typeof spec.token === "string" ? spec.token : "";
      if (!token) throw badRequest(`token is required for TokenReview in ${AUTHENTICATION_GROUP}`);
      if (ctx.namespace) throw badRequest("namespace is not allowed on this type");
      const audiences = Array.isArray(spec.audiences)
        ? spec.audiences.filter((a): a is string => typeof a === "string")
        : [];
      const r = await review(token, audiences);
      const status: Record<string, unknown> = r.ok
        ? {
          authenticated: true,
          user: userInfoOf(withAuthenticatedGroup(r.result.user)),
          audiences: r.result.audiences,
        }
        : { user: {}, ...(r.errors.length ? { error: r.errors.join(", ") } : {}) };
      return {
        ...obj,
        apiVersion: `${AUTHENTICATION_GROUP}/v1`,
        kind: "TokenReview",
        metadata: { ...obj.metadata, creationTimestamp: null },
        spec,
        status,
      };
    },
  };
}

/** Upstream adds `system:authenticated` to every authenticated user. */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes("system:authenticated")
    ? user
    : { ...user, groups: [...user.groups, "system:authenticated"] };
}
