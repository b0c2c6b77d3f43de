/**
 * The garbage collector's view of ownership: a node per object uid with its owner references
 * and its dependents, built from informer events. Owners referenced before they are observed
 * are "virtual" nodes, to be checked against the API. Every change returns the work it makes:
 * uids whose deletion (`delete`: dependents of a vanished owner, owners waiting in foreground)
 * or orphaning (`orphan`) should be attempted.
 *
 * @module
 */
import type { KubeObject, OwnerReference } from "../../../kube/meta.ts";

export const FOREGROUND = "foregroundDeletion";
export const ORPHAN = "orphan";

/** Who an object is. */
export interface Identity {
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped objects (and for virtual owners, the dependent's namespace). */
  namespace: string;
  name: string;
  uid: string;
}

/** An object in the graph. */
export interface GraphNode {
  identity: Identity;
  owners: OwnerReference[];
  dependents: Set<GraphNode>;
  /** Referenced as an owner but not observed. */
  virtual: boolean;
  /** Has a deletionTimestamp. */
  beingDeleted: boolean;
  /** Being deleted in the foreground: waits for its blocking dependents. */
  deletingDependents: boolean;
}

/** Work a graph change makes. */
export interface Work {
  action: "delete" | "orphan";
  uid: string;
}

function hasFinalizer(obj: KubeObject, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

/** The ownership graph. */
export class Graph {
  readonly #nodes = new Map<string, GraphNode>();

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** Applies an added or updated object. */
  observe(obj: KubeObject, apiVersion: string, kind: string): Work[] {
    const m = obj.metadata;
    const uid = m.uid;
    if (!uid) return [];
    const work: Work[] = [];
    const identity: Identity = {
      apiVersion,
      kind,
      namespace: m.namespace ?? "",
      name: m.name ?? "",
      uid,
    };
    const owners = m.ownerReferences ?? [];
    let node = this.#nodes.get(uid);
    if (!node) {
      node = {
        identity,
        owners: [],
        dependents: new Set(),
        virtual: false,
        beingDeleted: false,
        deletingDependents: false,
      };
      this.#nodes.set(uid, node);
    } else {
      node.virtual = false;
      node.identity = identity;
    }
    const before = new Map(node.owners.map((r) => [r.uid, r]));
    const after = new Map(owners.map((r) => [r.uid, r]));
    for (const [ownerUid, ref] of before) {
      const owner = this.#nodes.get(ownerUid);
      const now = after.get(ownerUid);
      if (!now) owner?.dependents.delete(node);
      // An owner waiting for its dependents may finish when one lets go or stops blocking.
      if (
        owner?.deletingDependents && (!now || (ref.blockOwnerDeletion && !now.blockOwnerDeletion))
      ) {
        work.push({ action: "delete", uid: ownerUid });
      }
    }
    for (const [ownerUid, ref] of after) {
      if (before.has(ownerUid) && this.#nodes.has(ownerUid)) continue;
      let owner = this.#nodes.get(ownerUid);
      if (!owner) {
        owner = {
          identity: {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            namespace: identity.namespace,
            name: ref.name,
            uid: ownerUid,
          },
          owners: [],
          dependents: new Set(),
          virtual: true,
          beingDeleted: false,
          deletingDependents: false,
        };
        this.#nodes.set(ownerUid, owner);
        work.push({ action: "delete", uid: ownerUid });
      }
      owner.dependents.add(node);
    }
    node.owners = owners;
    node.beingDeleted = !!m.deletionTimestamp;
    const foreground = node.beingDeleted && hasFinalizer(obj, FOREGROUND);
    if (foreground) {
      node.deletingDependents = true;
      work.push({ action: "delete", uid });
      for (const d of node.dependents) work.push({ action: "delete", uid: d.identity.uid });
    } else node.deletingDependents = false;
    if (node.beingDeleted && hasFinalizer(obj, ORPHAN)) work.push({ action: "orphan", uid });
    return work;
  }

  /** Applies a deleted object (or a virtual owner found absent). */
  remove(uid: string): Work[] {
    const node = this.#nodes.get(uid);
    if (!node) return [];
    const work: Work[] = [];
    this.#nodes.delete(uid);
    for (const ref of node.owners) {
      const owner = this.#nodes.get(ref.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      if (owner.deletingDependents) work.push({ action: "delete", uid: ref.uid });
    }
    for (const d of node.dependents) work.push({ action: "delete", uid: d.identity.uid });
    return work;
  }

  /** Dependents whose reference to `node` blocks its foreground deletion. */
  blockingDependents(node: GraphNode): GraphNode[] {
    return [...node.dependents].filter((d) =>
      d.owners.some((r) => r.uid === node.identity.uid && r.blockOwnerDeletion === true)
    );
  }
}
