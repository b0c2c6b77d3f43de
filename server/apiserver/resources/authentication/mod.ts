/**
 * `authentication.k8s.io`: TokenReview (is this token valid, and whose is it?) and
 * SelfSubjectReview (who am I? — `kubectl auth whoami`), answered from the server's
 * authenticators and never stored.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { selfSubjectReviewResource } from "./self_subject_review.ts";
import { type TokenReviewer, tokenReviewResource } from "./token_review.ts";

export { AUTHENTICATION_GROUP, userInfoOf } from "./token_review.ts";
export type { TokenReviewer } from "./token_review.ts";

export function authenticationResources(reviewer: TokenReviewer): ResourceDef[] {
  return [selfSubjectReviewResource(), tokenReviewResource(reviewer)];
}
