/**
 * Which objects each node may reach, for the Node authorizer: pods bound to a node, what those
 * pods refer to (secrets, config maps, claims, service accounts, resource claims), the
 * persistent volumes bound to those claims and the secrets the volumes name, and volume
 * attachments by node. Fed from the watch cache (pods, persistent volumes, volume
 * attachments), so a decision is a few map lookups and follows creates and deletes at once.
 *
 * @module
 */
import { isJsonObject, type KubeObject } from "../../../kube/meta.ts";
import type { Registry } from "../registry.ts";
import type { Store } from "../store.ts";
import { type EventType, MATCH_ALL } from "../watch_cache.ts";
import { type PodRefs, podRefs, pvSecrets } from "./pod_refs.ts";

/** The kinds of object a node may be related to. */
export type RelatedKind =
  | "pods"
  | keyof PodRefs
  | "persistentvolumes"
  | "volumeattachments";

interface PodEntry {
  node: string;
  uid: string;
  claims: string;
  /** `<kind>/<namespace>/<name>` of each reference. */
  refs: string[];
}

interface PvEntry {
  /** `namespace/name` of the bound claim. */
  claim: string;
  /** `namespace/name` of each secret. */
  secrets: string[];
}

type Obj = Record<string, unknown>;

function spec(o: KubeObject): Obj {
  return isJsonObject(o.spec) ? o.spec : {};
}

function claimStatuses(o: KubeObject): string {
  const status = isJsonObject(o.status) ? o.status : {};
  return JSON.stringify(status.resourceClaimStatuses ?? null);
}

export class NodeGraph {
  #pods = new Map<string, PodEntry>();
  /** Reference key to the number of pods on each node holding it. */
  #refNodes = new Map<string, Map<string, number>>();
  #pvs = new Map<string, PvEntry>();
  /** Secret `namespace/name` to the persistent volumes naming it. */
  #secretPvs = new Map<string, Set<string>>();
  #attachments = new Map<string, string>();
  #stops: (() => void)[] = [];

  /** Loads pods, persistent volumes and volume attachments and follows their changes. */
  async start(registry: Registry): Promise<void> {
    const follow = async (
      group: string,
      plural: string,
      apply: (t: EventType, o: KubeObject) => void,
    ) => {
      let store: Store;
      try {
        store = registry.store(group, plural);
      } catch {
        return; // not served here: nothing to relate
      }
      this.#stops.push(
        await store.watch("", { filter: MATCH_ALL }, (type, item) => {
          if (item && type !== "BOOKMARK") apply(type, item.obj);
          return true;
        }),
      );
    };
    await follow("", "pods", (t, o) => this.applyPod(t, o));
    await follow("", "persistentvolumes", (t, o) => this.applyPv(t, o));
    await follow("storage.k8s.io", "volumeattachments", (t, o) => this.applyAttachment(t, o));
  }

  stop(): void {
    for (const s of this.#stops.splice(0)) s();
  }

  /** True when `node` reaches the object (`namespace` "" for cluster-scoped kinds). */
  related(node: string, kind: RelatedKind, namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    switch (kind) {
      case "pods":
        return this.#pods.get(key)?.node === node;
      case "persistentvolumes":
        return this.#pvRelated(node, name);
      case "volumeattachments":
        return this.#attachments.get(name) === node;
      case "secrets":
        if (this.#refNodes.get(`secrets/${key}`)?.has(node)) return true;
        for (const pv of this.#secretPvs.get(key) ?? []) {
          if (this.#pvRelated(node, pv)) return true;
        }
        return false;
      default:
        return this.#refNodes.get(`${kind}/${key}`)?.has(node) ?? false;
    }
  }

  #pvRelated(node: string, pv: string): boolean {
    const claim = this.#pvs.get(pv)?.claim;
    return !!claim && (this.#refNodes.get(`persistentvolumeclaims/${claim}`)?.has(node) ?? false);
  }

  applyPod(type: EventType, pod: KubeObject): void {
    const ns = pod.metadata.namespace ?? "";
    const key = `${ns}/${pod.metadata.name}`;
    const node = typeof spec(pod).nodeName === "string" ? spec(pod).nodeName as string : "";
    const old = this.#pods.get(key);
    if (type === "DELETED" || !node) {
      if (old) this.#removePod(key, old);
      return;
    }
    const uid = pod.metadata.uid ?? "";
    const claims = claimStatuses(pod);
    // What a bound pod refers to never changes, except claims generated from templates.
    if (old && old.node === node && old.uid === uid && old.claims === claims) return;
    if (old) this.#removePod(key, old);
    const refs: string[] = [];
    // A mirror pod grants its node nothing but itself.
    if (!pod.metadata.annotations?.["kubernetes.io/config.mirror"]) {
      const found = podRefs(pod as unknown as Obj);
      for (const [kind, names] of Object.entries(found) as [string, Set<string>][]) {
        for (const name of names) refs.push(`${kind}/${ns}/${name}`);
      }
    }
    const entry = { node, uid, claims, refs };
    this.#pods.set(key, entry);
    for (const ref of refs) {
      let nodes = this.#refNodes.get(ref);
      if (!nodes) this.#refNodes.set(ref, nodes = new Map());
      nodes.set(node, (nodes.get(node) ?? 0) + 1);
    }
  }

  #removePod(key: string, entry: PodEntry): void {
    this.#pods.delete(key);
    for (const ref of entry.refs) {
      const nodes = this.#refNodes.get(ref);
      const n = (nodes?.get(entry.node) ?? 0) - 1;
      if (n > 0) nodes!.set(entry.node, n);
      else nodes?.delete(entry.node);
      if (nodes?.size === 0) this.#refNodes.delete(ref);
    }
  }

  applyPv(type: EventType, pv: KubeObject): void {
    const name = pv.metadata.name ?? "";
    const old = this.#pvs.get(name);
    if (old) {
      this.#pvs.delete(name);
      for (const s of old.secrets) {
        const pvs = this.#secretPvs.get(s);
        pvs?.delete(name);
        if (pvs?.size === 0) this.#secretPvs.delete(s);
      }
    }
    const ref = spec(pv).claimRef;
    if (type === "DELETED" || !isJsonObject(ref)) return;
    const entry = { claim: `${ref.namespace ?? ""}/${ref.name ?? ""}`, secrets: pvSecrets(pv) };
    this.#pvs.set(name, entry);
    for (const s of entry.secrets) {
      let pvs = this.#secretPvs.get(s);
      if (!pvs) this.#secretPvs.set(s, pvs = new Set());
      pvs.add(name);
    }
  }

  applyAttachment(type: EventType, va: KubeObject): void {
    const name = va.metadata.name ?? "";
    const node = spec(va).nodeName;
    if (type === "DELETED" || typeof node !== "string" || !node) this.#attachments.delete(name);
    else this.#attachments.set(name, node);
  }
}
