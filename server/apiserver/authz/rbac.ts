/**
 * The RBAC authorizer: a request is allowed when a rule of a role bound to the user, one of its
 * groups or its service account allows it. Rules come from the in-memory {@link RbacIndex}.
 * A denial carries no reason unless a bound role could not be found (upstream's wording).
 *
 * @module
 */
import type { Authorizer, Decision } from "../app.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import type { RuleResolver, SubjectRules } from "./chain.ts";
import { describeBinding, type RbacIndex } from "./rbac_index.ts";
import { ruleAllows } from "./rbac_rules.ts";

export class RbacAuthorizer implements Authorizer, RuleResolver {
  #index: RbacIndex;

  constructor(index: RbacIndex) {
    this.#index = index;
  }

  authorize(user: UserInfo, info: RequestInfo): Promise<Decision> {
    return Promise.resolve(this.decide(user, info));
  }

  /** The decision, synchronously. */
  decide(user: UserInfo, info: RequestInfo): Decision {
    let reason = "";
    const errors: string[] = [];
    this.#index.visitRulesFor(user, info.namespace, (source, rule, error) => {
      if (rule && source && ruleAllows(info, rule)) {
        reason = `RBAC: allowed by ${describeBinding(source)}`;
        return false;
      }
      if (error) errors.push(error);
      return true;
    });
    if (reason) return { allowed: true, reason };
    if (errors.length === 0) return { allowed: false };
    const joined = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
    return { allowed: false, reason: `RBAC: ${joined}` };
  }

  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const { rules, errors } = this.#index.rulesFor(user, namespace);
    const out: SubjectRules = {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: false,
      errors,
    };
    for (const r of rules) {
      if (r.resources?.length) {
        const rule: SubjectRules["resourceRules"][number] = { verbs: r.verbs };
        if (r.apiGroups?.length) rule.apiGroups = r.apiGroups;
        rule.resources = r.resources;
        if (r.resourceNames?.length) rule.resourceNames = r.resourceNames;
        out.resourceRules.push(rule);
      }
      if (r.nonResourceURLs?.length) {
        out.nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      }
    }
    return out;
  }
}
