/**
 * SelfSubjectReview: the requesting user as the server sees it, after authentication and
 * impersonation (`kubectl auth whoami`). Served as v1 and, for kubectl 1.27, v1beta1 and
 * v1alpha1.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { AUTHENTICATION_GROUP, userInfoOf } from "./token_review.ts";

export function selfSubjectReviewResource(): ResourceDef {
  return {
    group: AUTHENTICATION_GROUP,
    versions: ["v1", "v1beta1", "v1alpha1"],
    kind: "SelfSubjectReview",
    plural: "selfsubjectreviews",
    singular: "selfsubjectreview",
    namespaced: false,
    verbs: ["create"],
    virtualCreate(obj, ctx) {
      const apiVersion = typeof obj.apiVersion === "string" && obj.apiVersion
        ? obj.apiVersion
        : `${AUTHENTICATION_GROUP}/v1`;
      return Promise.resolve({
        apiVersion,
        kind: "SelfSubjectReview",
        metadata: { creationTimestamp: null },
        status: { userInfo: userInfoOf(ctx.user) },
      });
    },
  };
}
