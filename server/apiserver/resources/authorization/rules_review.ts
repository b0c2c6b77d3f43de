/**
 * SelfSubjectRulesReview: the rules the requesting user holds in a namespace, as far as the
 * authorizers can enumerate them (`incomplete` otherwise). `kubectl auth can-i --list` sends it.
 *
 * @module
 */
import { badRequest } from "../../../../kube/errors.ts";
import { isJsonObject } from "../../../../kube/meta.ts";
import type { RuleResolver } from "../../authz/chain.ts";
import type { ResourceDef } from "../../resource.ts";
import { AUTHORIZATION_GROUP } from "./access_review.ts";

export function selfSubjectRulesReviewResource(resolver: RuleResolver): ResourceDef {
  return {
    group: AUTHORIZATION_GROUP,
    versions: ["v1"],
    kind: "SelfSubjectRulesReview",
    plural: "selfsubjectrulesreviews",
    singular: "selfsubjectrulesreview",
    namespaced: false,
    verbs: ["create"],
    virtualCreate(obj, ctx) {
      const spec = isJsonObject(obj.spec) ? obj.spec : {};
      const namespace = typeof spec.namespace === "string" ? spec.namespace : "";
      if (!namespace) throw badRequest("no namespace on request");
      const rules = resolver.rulesFor(ctx.user, namespace);
      const status: Record<string, unknown> = {
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
      };
      if (rules.errors.length) {
        status.evaluationError = rules.errors.length === 1
          ? rules.errors[0]
          : `[${rules.errors.join(", ")}]`;
      }
      return Promise.resolve({
        apiVersion: `${AUTHORIZATION_GROUP}/v1`,
        kind: "SelfSubjectRulesReview",
        metadata: { creationTimestamp: null },
        spec: {},
        status,
      });
    },
  };
}
