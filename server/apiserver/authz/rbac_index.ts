/**
 * The RBAC objects in memory, fed by watches on the four RBAC stores (which the watch cache
 * serves), with bindings indexed by subject. Authorizing a request reads only this index: the
 * user's name and groups are looked up in a map, never the datastore.
 *
 * @module
 */
import { notFound } from "../../../kube/errors.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import type { UserInfo } from "../resource.ts";
import type { Store } from "../store.ts";
import { type EventType, MATCH_ALL } from "../watch_cache.ts";
import { type PolicyRule, RBAC_GROUP, type RoleRef, type Subject } from "./rbac_rules.ts";

/** One binding, as seen through one of its subjects. */
export interface BindingEntry {
  kind: "ClusterRoleBinding" | "RoleBinding";
  name: string;
  /** "" for cluster role bindings. */
  namespace: string;
  roleRef: RoleRef;
  subject: Subject;
}

/**
 * Called for each rule that applies to a user (with the binding it came through), and for each
 * role that could not be resolved (`error`). Returning false stops the walk.
 */
export type RuleVisitor = (
  source: BindingEntry | null,
  rule: PolicyRule | null,
  error: string | null,
) => boolean;

export type RbacKind = "roles" | "rolebindings" | "clusterroles" | "clusterrolebindings";

export const RBAC_KINDS: readonly RbacKind[] = [
  "clusterroles",
  "roles",
  "clusterrolebindings",
  "rolebindings",
];

/** Bindings of one scope (the cluster, or one namespace) by subject key and by name. */
class BindingTable {
  bySubject = new Map<string, Map<string, BindingEntry>>();
  keysByName = new Map<string, string[]>();

  set(name: string, entries: { key: string; entry: BindingEntry }[]): void {
    this.delete(name);
    const keys: string[] = [];
    for (const { key, entry } of entries) {
      let m = this.bySubject.get(key);
      if (!m) this.bySubject.set(key, m = new Map());
      if (!m.has(name)) m.set(name, entry);
      keys.push(key);
    }
    if (keys.length) this.keysByName.set(name, keys);
  }

  delete(name: string): void {
    for (const key of this.keysByName.get(name) ?? []) {
      const m = this.bySubject.get(key);
      m?.delete(name);
      if (m?.size === 0) this.bySubject.delete(key);
    }
    this.keysByName.delete(name);
  }

  get size(): number {
    return this.keysByName.size;
  }
}

/** `u:<name>` for users and service accounts, `g:<name>` for groups; null when it never applies. */
export function subjectKey(s: Subject, bindingNamespace: string): string | null {
  switch (s.kind) {
    case "User":
      return `u:${s.name}`;
    case "Group":
      return `g:${s.name}`;
    case "ServiceAccount": {
      const ns = s.namespace || bindingNamespace;
      return ns ? `u:system:serviceaccount:${ns}:${s.name}` : null;
    }
  }
  return null;
}

function userKeys(user: UserInfo): string[] {
  return [`u:${user.name}`, ...user.groups.map((g) => `g:${g}`)];
}

function rulesOf(obj: KubeObject): PolicyRule[] {
  return Array.isArray(obj.rules) ? obj.rules as PolicyRule[] : [];
}

export class RbacIndex {
  #clusterRoles = new Map<string, KubeObject>();
  #roles = new Map<string, PolicyRule[]>();
  #clusterBindings = new BindingTable();
  #bindings = new Map<string, BindingTable>();
  #stops: (() => void)[] = [];
  #listeners = new Set<(name: string) => void>();

  /** Loads every RBAC object from the stores' watch caches and follows their changes. */
  async start(stores: Record<RbacKind, Pick<Store, "watch">>): Promise<void> {
    for (const kind of RBAC_KINDS) {
      const stop = await stores[kind].watch("", { filter: MATCH_ALL }, (type, item) => {
        if (item) this.apply(kind, type as EventType, item.obj);
        return true;
      });
      this.#stops.push(stop);
    }
  }

  stop(): void {
    for (const s of this.#stops.splice(0)) s();
  }

  /** Applies one watch event (ADDED, MODIFIED or DELETED) of an RBAC object. */
  apply(kind: RbacKind, type: EventType, obj: KubeObject): void {
    const name = obj.metadata.name ?? "";
    const ns = obj.metadata.namespace ?? "";
    const gone = type === "DELETED";
    switch (kind) {
      case "clusterroles":
        if (gone) this.#clusterRoles.delete(name);
        else this.#clusterRoles.set(name, obj);
        for (const l of this.#listeners) l(name);
        return;
      case "roles":
        if (gone) this.#roles.delete(`${ns}/${name}`);
        else this.#roles.set(`${ns}/${name}`, rulesOf(obj));
        return;
      case "clusterrolebindings":
        if (gone) this.#clusterBindings.delete(name);
        else this.#clusterBindings.set(name, entries(obj, "ClusterRoleBinding", ""));
        return;
      case "rolebindings": {
        let table = this.#bindings.get(ns);
        if (!table) this.#bindings.set(ns, table = new BindingTable());
        if (gone) table.delete(name);
        else table.set(name, entries(obj, "RoleBinding", ns));
        if (table.size === 0) this.#bindings.delete(ns);
        return;
      }
    }
  }

  /** Calls `fn` with the name of every cluster role that changes; returns the unsubscribe. */
  onClusterRoleChange(fn: (name: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Every cluster role as last seen (never mutate them). */
  clusterRoles(): KubeObject[] {
    return [...this.#clusterRoles.values()];
  }

  /**
   * The rules a role reference grants in `namespace` ("" for cluster role bindings). Throws
   * NotFound (`clusterrole.rbac.authorization.k8s.io "x" not found`, or with `plural` the
   * registry's `clusterroles...` wording) when the role does not exist.
   */
  roleRefRules(ref: RoleRef, namespace: string, plural = false): PolicyRule[] {
    if (ref.kind === "ClusterRole") {
      const role = this.#clusterRoles.get(ref.name);
      if (!role) {
        throw notFound(
          { group: RBAC_GROUP, resource: plural ? "clusterroles" : "clusterrole" },
          ref.name,
        );
      }
      return rulesOf(role);
    }
    if (ref.kind === "Role") {
      const rules = this.#roles.get(`${namespace}/${ref.name}`);
      if (!rules) {
        throw notFound({ group: RBAC_GROUP, resource: plural ? "roles" : "role" }, ref.name);
      }
      return rules;
    }
    throw new Error(`unsupported role reference kind: ${JSON.stringify(ref.kind)}`);
  }

  /**
   * Walks the rules that apply to `user` in `namespace`: cluster role bindings first, then the
   * namespace's role bindings (none for cluster-scoped requests), as upstream's rule resolver.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    const keys = userKeys(user);
    if (!this.#walk(this.#clusterBindings, keys, "", visit)) return;
    if (!namespace) return;
    const table = this.#bindings.get(namespace);
    if (table) this.#walk(table, keys, namespace, visit);
  }

  /** Every rule that applies, and the errors met resolving roles. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, error) => {
      if (rule) rules.push(rule);
      if (error) errors.push(error);
      return true;
    });
    return { rules, errors };
  }

  #walk(table: BindingTable, keys: string[], namespace: string, visit: RuleVisitor): boolean {
    const seen = keys.length > 1 ? new Set<string>() : null;
    for (const key of keys) {
      const bindings = table.bySubject.get(key);
      if (!bindings) continue;
      for (const [name, entry] of bindings) {
        if (seen) {
          if (seen.has(name)) continue;
          seen.add(name);
        }
        let rules: PolicyRule[];
        try {
          rules = this.roleRefRules(entry.roleRef, namespace);
        } catch (err) {
          if (!visit(null, null, (err as Error).message)) return false;
          continue;
        }
        for (const rule of rules) if (!visit(entry, rule, null)) return false;
      }
    }
    return true;
  }
}

function entries(
  obj: KubeObject,
  kind: BindingEntry["kind"],
  namespace: string,
): { key: string; entry: BindingEntry }[] {
  const ref = (obj.roleRef ?? {}) as RoleRef;
  const subjects = Array.isArray(obj.subjects) ? obj.subjects as Subject[] : [];
  const name = obj.metadata.name ?? "";
  const out: { key: string; entry: BindingEntry }[] = [];
  for (const subject of subjects) {
    if (!subject || typeof subject !== "object") continue;
    const key = subjectKey(subject, namespace);
    if (key) out.push({ key, entry: { kind, name, namespace, roleRef: ref, subject } });
  }
  return out;
}

/** Upstream's description of the binding that allowed a request. */
export function describeBinding(b: BindingEntry): string {
  const s = b.subject;
  const who = s.kind === "ServiceAccount"
    ? `${s.kind} "${s.name}/${s.namespace || b.namespace}"`
    : `${s.kind} "${s.name}"`;
  const name = b.kind === "RoleBinding" ? `${b.name}/${b.namespace}` : b.name;
  return `${b.kind} "${name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${who}`;
}
