/**
 * The authorizer chain of the API server: privileged groups (`system:masters`) first, then each
 * configured authorizer (the Node authorizer, RBAC) in order. The first to allow wins; one that
 * explicitly denies ends the walk; otherwise the request is denied with the reasons collected.
 * The chain also unions the rule lists authorizers can enumerate (SelfSubjectRulesReview).
 *
 * @module
 */
import type { Authorizer, Decision } from "../app.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import { RbacAuthorizer } from "./rbac.ts";
import type { RbacIndex } from "./rbac_index.ts";

/** A decision that may also be an explicit denial (no later authorizer is asked). */
export interface ChainDecision extends Decision {
  denied?: boolean;
}

/** `authorization.k8s.io/v1` `ResourceRule`. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** `authorization.k8s.io/v1` `NonResourceRule`. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** What a user may do in a namespace, as far as an authorizer can enumerate it. */
export interface SubjectRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when the authorizer cannot list everything it would allow. */
  incomplete: boolean;
  errors: string[];
}

/** An authorizer that can list the rules of a user. */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): SubjectRules;
}

export type ChainMember = Authorizer & Partial<RuleResolver>;

/** The group whose members may do anything (upstream's `system:masters`). */
export const PRIVILEGED_GROUP = "system:masters";

/** Allows every request of a member of one of `groups`; no opinion otherwise. */
export function privilegedGroups(...groups: string[]): Authorizer {
  return {
    authorize(user) {
      const allowed = user.groups.some((g) => groups.includes(g));
      return Promise.resolve({ allowed });
    },
  };
}

export class AuthorizerChain implements Authorizer, RuleResolver {
  #members: ChainMember[];

  constructor(members: ChainMember[]) {
    this.#members = members;
  }

  async authorize(user: UserInfo, info: RequestInfo): Promise<ChainDecision> {
    const reasons: string[] = [];
    for (const m of this.#members) {
      const d: ChainDecision = await m.authorize(user, info);
      if (d.allowed) return d;
      if (d.denied) return d;
      if (d.reason) reasons.push(d.reason);
    }
    return reasons.length ? { allowed: false, reason: reasons.join("\n") } : { allowed: false };
  }

  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const out: SubjectRules = {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: false,
      errors: [],
    };
    for (const m of this.#members) {
      if (!m.rulesFor) continue;
      const r = m.rulesFor(user, namespace);
      out.resourceRules.push(...r.resourceRules);
      out.nonResourceRules.push(...r.nonResourceRules);
      out.incomplete ||= r.incomplete;
      out.errors.push(...r.errors);
    }
    return out;
  }
}

/** The request attributes of an authorization check that did not come from a URL. */
export function attributes(a: Partial<RequestInfo> & { verb: string }): RequestInfo {
  return {
    isResourceRequest: a.isResourceRequest ?? true,
    path: a.path ?? "",
    verb: a.verb,
    apiPrefix: a.apiPrefix ?? "",
    group: a.group ?? "",
    version: a.version ?? "*",
    namespace: a.namespace ?? "",
    resource: a.resource ?? "",
    subresource: a.subresource ?? "",
    name: a.name ?? "",
    parts: a.parts ?? [],
  };
}

/**
 * The server's chain: privileged groups, then `before` (the Node authorizer, when there is one),
 * then RBAC over `index`.
 */
export function defaultAuthorizerChain(
  index: RbacIndex,
  before: ChainMember[] = [],
): AuthorizerChain {
  return new AuthorizerChain([
    privilegedGroups(PRIVILEGED_GROUP),
    ...before,
    new RbacAuthorizer(index),
  ]);
}
