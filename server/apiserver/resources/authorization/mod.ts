/**
 * `authorization.k8s.io/v1`: the access and rules reviews, answered by the server's authorizer
 * chain and never stored.
 *
 * @module
 */
import type { Authorizer } from "../../app.ts";
import type { RuleResolver } from "../../authz/chain.ts";
import type { ResourceDef } from "../../resource.ts";
import {
  localSubjectAccessReviewResource,
  selfSubjectAccessReviewResource,
  subjectAccessReviewResource,
} from "./access_review.ts";
import { selfSubjectRulesReviewResource } from "./rules_review.ts";

export function authorizationResources(authorizer: Authorizer & RuleResolver): ResourceDef[] {
  return [
    localSubjectAccessReviewResource(authorizer),
    selfSubjectAccessReviewResource(authorizer),
    selfSubjectRulesReviewResource(authorizer),
    subjectAccessReviewResource(authorizer),
  ];
}
