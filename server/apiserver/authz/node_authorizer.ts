/**
 * The Node authorizer (`--authorization-mode=Node`): a kubelet (`system:node:<name>` in
 * `system:nodes`) may read a secret, config map, claim, volume, service account token or
 * resource claim only when a pod bound to its node refers to it, its own Node and Lease, and
 * the pods bound to it; other requests are judged against upstream's static node rules. What
 * it does not allow it leaves to the next authorizer (RBAC) with its reason, as upstream's
 * `no relationship found between node 'n1' and this object`. NodeRestriction admission checks
 * what only the object shows (whose pod, whose Node, whose Lease).
 *
 * @module
 */
import { parseFieldSelector } from "../../../kube/fields.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import { NODE_RULES } from "./bootstrap_policy_roles.ts";
import type { ChainDecision, ChainMember, SubjectRules } from "./chain.ts";
import type { NodeGraph, RelatedKind } from "./node_graph.ts";
import { ruleAllows } from "./rbac_rules.ts";

export const NODES_GROUP = "system:nodes";
export const NODE_USER_PREFIX = "system:node:";
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** The node a user is, as upstream's default node identifier: null when not a node. */
export function nodeIdentity(user: UserInfo): string | null {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return null;
  return user.name.slice(NODE_USER_PREFIX.length);
}

interface Outcome {
  allowed: boolean;
  reason?: string;
  /** The answer came from the graph (a miss may be a pod the graph has not seen yet). */
  graph?: boolean;
}

const ALLOW: Outcome = { allowed: true };

function no(reason = ""): Outcome {
  return { allowed: false, reason };
}

/** The exact value a list or watch's field selector requires of `field`. */
function selected(info: RequestInfo, field: string): string | undefined {
  if (!info.fieldSelector) return undefined;
  try {
    return parseFieldSelector(info.fieldSelector).requiresExactMatch(field);
  } catch {
    return undefined;
  }
}

/** The name a request is for: a list or watch of one object names it in its field selector. */
function nameOf(info: RequestInfo): string {
  if (info.name) return info.name;
  if (info.verb === "list" || info.verb === "watch") return selected(info, "metadata.name") ?? "";
  return "";
}

export interface NodeAuthorizerOptions {
  graph: NodeGraph;
  /** Resolves once the graph holds every write so far; asked once before a graph denial. */
  sync?: () => Promise<unknown>;
}

export class NodeAuthorizer implements ChainMember {
  #graph: NodeGraph;
  #sync: () => Promise<unknown>;

  constructor(opts: NodeAuthorizerOptions) {
    this.#graph = opts.graph;
    this.#sync = opts.sync ?? (() => Promise.resolve());
  }

  async authorize(user: UserInfo, info: RequestInfo): Promise<ChainDecision> {
    const node = nodeIdentity(user);
    if (node === null) return { allowed: false };
    if (node === "") return { allowed: false, reason: `unknown node for user "${user.name}"` };
    let out = this.decide(node, info);
    if (!out.allowed && out.graph) {
      // The pod that relates this object may have been written a moment ago. A cache that
      // cannot catch up leaves the denial as it is.
      const synced = await this.#sync().then(() => true, () => false);
      if (synced) out = this.decide(node, info);
    }
    return out.reason ? { allowed: out.allowed, reason: out.reason } : { allowed: out.allowed };
  }

  rulesFor(user: UserInfo): SubjectRules {
    const isNode = nodeIdentity(user) !== null;
    return {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: isNode,
      errors: isNode ? ["node authorizer does not support user rule resolution"] : [],
    };
  }

  /** The decision for a request of `node`, from the graph as it is now. */
  decide(node: string, info: RequestInfo): Outcome {
    if (info.isResourceRequest) {
      const g = info.group;
      const r = info.resource;
      if (g === "" && (r === "secrets" || r === "configmaps")) {
        return this.#readNamespaced(node, r, info);
      }
      if (g === "" && r === "persistentvolumeclaims") {
        return info.subresource === "status"
          ? this.#statusUpdate(node, r, info)
          : this.#get(node, r, info);
      }
      if (g === "" && r === "persistentvolumes") return this.#get(node, r, info);
      if (g === "resource.k8s.io" && r === "resourceclaims") return this.#get(node, r, info);
      if (g === "storage.k8s.io" && r === "volumeattachments") return this.#get(node, r, info);
      if (g === "" && r === "serviceaccounts") return this.#createToken(node, info);
      if (g === "coordination.k8s.io" && r === "leases") return this.#lease(node, info);
      if (g === "storage.k8s.io" && r === "csinodes") return this.#csiNode(node, info);
      if (g === "" && r === "nodes") return this.#node(node, info);
      if (g === "" && r === "pods") return this.#pod(node, info);
    }
    return NODE_RULES.some((rule) => ruleAllows(info, rule)) ? ALLOW : no();
  }

  #related(node: string, kind: RelatedKind, info: RequestInfo): Outcome {
    const name = nameOf(info);
    if (!name) return no("No Object name found");
    if (this.#graph.related(node, kind, info.namespace, name)) return ALLOW;
    return { ...no(`no relationship found between node '${node}' and this object`), graph: true };
  }

  #statusUpdate(node: string, kind: RelatedKind, info: RequestInfo): Outcome {
    if (info.verb !== "update" && info.verb !== "patch") {
      return no("can only get/update/patch this type");
    }
    return this.#related(node, kind, info);
  }

  #get(node: string, kind: RelatedKind, info: RequestInfo): Outcome {
    if (info.verb !== "get") return no("can only get individual resources of this type");
    if (info.subresource) return no("cannot get subresource");
    return this.#related(node, kind, info);
  }

  #readNamespaced(node: string, kind: RelatedKind, info: RequestInfo): Outcome {
    if (!["get", "list", "watch"].includes(info.verb)) {
      return no("can only read resources of this type");
    }
    if (info.subresource) return no("cannot read subresource");
    if (!info.namespace) return no("can only read namespaced object of this type");
    return this.#related(node, kind, info);
  }

  #createToken(node: string, info: RequestInfo): Outcome {
    if (info.verb !== "create" || !info.name) {
      return no("can only create tokens for individual service accounts");
    }
    if (info.subresource !== "token") {
      return no("can only create token subresource of serviceaccount");
    }
    return this.#related(node, "serviceaccounts", info);
  }

  #lease(node: string, info: RequestInfo): Outcome {
    if (!["get", "create", "update", "patch", "delete"].includes(info.verb)) {
      return no("can only get, create, update, patch, or delete a node lease");
    }
    if (info.namespace !== NODE_LEASE_NAMESPACE) {
      return no(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    }
    // The name of a create is in the body: NodeRestriction checks it.
    if (info.verb !== "create" && info.name !== node) {
      return no("can only access node lease with the same name as the requesting node");
    }
    return ALLOW;
  }

  #csiNode(node: string, info: RequestInfo): Outcome {
    if (!["get", "create", "update", "patch", "delete"].includes(info.verb)) {
      return no("can only get, create, update, patch, or delete a CSINode");
    }
    if (info.subresource) return no("cannot authorize CSINode subresources");
    if (info.verb !== "create" && info.name !== node) {
      return no("can only access CSINode with the same name as the requesting node");
    }
    return ALLOW;
  }

  #node(node: string, info: RequestInfo): Outcome {
    if (info.subresource === "") {
      // Creates and writes: NodeRestriction limits them to the node's own object.
      if (["create", "update", "patch"].includes(info.verb)) return ALLOW;
      if (["get", "list", "watch"].includes(info.verb)) {
        const name = nameOf(info);
        if (name === node) return ALLOW;
        return no(
          name
            ? `node '${node}' cannot read '${name}', only its own Node object`
            : `node '${node}' cannot read all nodes, only its own Node object`,
        );
      }
    } else if (info.subresource === "status" && ["update", "patch"].includes(info.verb)) {
      return ALLOW;
    }
    return no();
  }

  #pod(node: string, info: RequestInfo): Outcome {
    switch (info.subresource) {
      case "":
        switch (info.verb) {
          case "get":
            return this.#get(node, "pods", info);
          case "list":
          case "watch":
            if (selected(info, "spec.nodeName") === node) return ALLOW;
            if (nameOf(info)) return this.#related(node, "pods", info);
            return no("can only list/watch pods with spec.nodeName field selector");
          case "create":
          case "delete":
            // Mirror pods: NodeRestriction limits them to pods bound to this node.
            return ALLOW;
        }
        break;
      case "status":
        if (info.verb === "update" || info.verb === "patch") return ALLOW;
        break;
      case "eviction":
        if (info.verb === "create") return ALLOW;
        break;
    }
    return no();
  }
}
