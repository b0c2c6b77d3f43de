/**
 * {@link GarbageCollector}: upstream's garbage collector. It watches every resource discovery
 * lists with list, watch and delete (custom resources included, rediscovered periodically),
 * keeps the ownership {@link Graph}, and acts on it:
 *
 * - an object whose owners are all gone (absent, or recreated with another uid) is deleted,
 *   with the propagation its own finalizers ask for (background by default); references to gone
 *   owners beside a live one are removed instead;
 * - an owner deleted in the foreground (`foregroundDeletion` finalizer) has its dependents
 *   deleted in the foreground too, and loses the finalizer once no dependent with
 *   `blockOwnerDeletion` is left;
 * - an owner deleted with the `orphan` finalizer has its references removed from every
 *   dependent, then loses the finalizer.
 *
 * Owners are always checked with a live read, never from a cache.
 *
 * @module
 */
import {
  apiVersionOf,
  isConflict,
  isNotFound,
  type KubeObject,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import type { OwnerReference } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig, positiveInt } from "../framework/mod.ts";
import { discover, groupResource, hasVerbs } from "../common/discovery.ts";
import { removeOwnerPatch } from "../common/owner.ts";
import { errText } from "../common/status.ts";
import { FOREGROUND, Graph, type GraphNode, type Identity, ORPHAN, type Work } from "./graph.ts";

/** Resources upstream's collector ignores (never owners or dependents worth a watch). */
const IGNORED = new Set(["events", "events.events.k8s.io"]);

export interface GarbageCollectorConfig extends ControllerConfig {
  /** How often discovery runs again for new resources (default 30 s). */
  rediscoverMs?: number;
}

/** Deletes objects whose owners are gone, in the order the deletion policies ask for. */
export class GarbageCollector extends Controller {
  readonly graph = new Graph();
  readonly #rediscoverMs: number;
  /** `group|Kind` → the served resource (preferred version). */
  readonly #byKind = new Map<string, Resource>();
  readonly #monitors = new Map<string, SharedInformer<KubeObject>>();

  constructor(config: GarbageCollectorConfig) {
    super({ maxRetries: Infinity, ...config });
    this.#rediscoverMs = positiveInt(this.name, "rediscoverMs", config.rediscoverMs, 30_000);
  }

  /** Resources watched now, as `resource.group`. */
  get monitored(): string[] {
    return [...this.#monitors.keys()];
  }

  override async run(workers: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#resync(signal);
        break;
      } catch (err) {
        this.log.warn(`cannot discover resources: ${errText(err)}`);
        await this.clock.sleep(1000, signal);
      }
    }
    const loop = this.#rediscoverLoop(signal);
    try {
      await super.run(workers, signal);
    } finally {
      await loop;
    }
  }

  async #rediscoverLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(this.#rediscoverMs, signal);
      if (signal.aborted) return;
      await this.#resync(signal).catch((err) =>
        this.log.warn(`cannot rediscover resources: ${errText(err)}`)
      );
    }
  }

  /** Discovers resources and starts a monitor for each new deletable one. */
  async #resync(signal?: AbortSignal): Promise<void> {
    const found = await discover(this.client, signal);
    for (const f of found.failed) {
      this.log.warn(`cannot discover ${f.groupVersion}: ${errText(f.error)}`);
    }
    for (const { resource: res, verbs } of found.resources) {
      this.#byKind.set(`${res.group}|${res.kind}`, res);
      const name = groupResource(res);
      if (IGNORED.has(name) || this.#monitors.has(name)) continue;
      if (!hasVerbs({ resource: res, verbs }, "list", "watch", "delete")) continue;
      this.#monitors.set(name, this.#monitor(res));
    }
  }

  #monitor(res: Resource): SharedInformer<KubeObject> {
    const apiVersion = apiVersionOf(res);
    const informer = this.watch(res, { keys: () => undefined });
    informer.addEventHandler({
      add: (obj) => this.#work(this.graph.observe(obj, apiVersion, res.kind)),
      update: (_old, obj) => this.#work(this.graph.observe(obj, apiVersion, res.kind)),
      delete: (obj) => obj.metadata.uid && this.#work(this.graph.remove(obj.metadata.uid)),
    });
    return informer;
  }

  #work(work: Work[]): void {
    for (const w of work) this.enqueue(`${w.action}:${w.uid}`);
  }

  protected async reconcile(key: string): Promise<void> {
    const i = key.indexOf(":");
    const action = key.slice(0, i), uid = key.slice(i + 1);
    if (action === "orphan") await this.#attemptToOrphan(uid);
    else await this.#attemptToDelete(uid);
  }

  /** The served resource of an apiVersion and kind (any served version of the group). */
  async #resourceFor(apiVersion: string, kind: string): Promise<Resource> {
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    let res = this.#byKind.get(`${group}|${kind}`);
    if (!res) {
      await this.#resync();
      res = this.#byKind.get(`${group}|${kind}`);
    }
    if (!res) throw new Error(`Cannot find the resource of ${kind} in ${apiVersion}`);
    return res;
  }

  /** A live read of the object `id` names; undefined when absent or replaced. */
  async #get(id: Identity, namespaceOf?: string): Promise<KubeObject | undefined> {
    const res = await this.#resourceFor(id.apiVersion, id.kind);
    const ns = res.namespaced ? (namespaceOf ?? id.namespace) : undefined;
    // A namespaced owner of a cluster-scoped object cannot exist.
    if (res.namespaced && !ns) return undefined;
    try {
      const obj = await this.client.get(res, id.name, { namespace: ns });
      return obj.metadata.uid === id.uid ? obj : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #attemptToDelete(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.virtual) {
      // An owner never observed: real (not yet seen, or of a kind not watched), or gone.
      if (await this.#get(node.identity)) return;
      this.#work(this.graph.remove(uid));
      return;
    }
    const latest = await this.#get(node.identity);
    if (!latest) return;
    const finalizers = latest.metadata.finalizers ?? [];
    if (latest.metadata.deletionTimestamp) {
      if (finalizers.includes(FOREGROUND)) await this.#deletingDependents(node, latest);
      return;
    }
    const refs = latest.metadata.ownerReferences ?? [];
    if (!refs.length) return;
    const solid: OwnerReference[] = [], dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = await this.#get(
        { apiVersion: ref.apiVersion, kind: ref.kind, namespace: "", name: ref.name, uid: ref.uid },
        latest.metadata.namespace ?? "",
      );
      if (!owner) dangling.push(ref);
      else if (
        owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND)
      ) {
        waiting.push(ref);
      } else solid.push(ref);
    }
    if (solid.length) {
      const gone = [...dangling, ...waiting].map((r) => r.uid);
      if (gone.length) await this.#patch(node.identity, latest, removeOwnerPatch(latest, gone));
      return;
    }
    if (waiting.length && node.dependents.size) {
      // A dependent that owns others itself goes in the foreground; references that could
      // block in a cycle are made non-blocking first.
      if ([...node.dependents].some((d) => d.deletingDependents)) {
        await this.#patch(node.identity, latest, unblockPatch(latest, waiting));
      }
      await this.#delete(node.identity, "Foreground");
      return;
    }
    const policy = finalizers.includes(ORPHAN)
      ? "Orphan"
      : finalizers.includes(FOREGROUND)
      ? "Foreground"
      : "Background";
    await this.#delete(node.identity, policy);
  }

  /** An owner deleted in the foreground: delete its blocking dependents, then let it go. */
  async #deletingDependents(node: GraphNode, latest: KubeObject): Promise<void> {
    const blocking = this.graph.blockingDependents(node);
    if (!blocking.length) {
      await this.#removeFinalizer(node.identity, latest, FOREGROUND);
      return;
    }
    for (const d of blocking) {
      if (!d.beingDeleted) this.enqueue(`delete:${d.identity.uid}`);
    }
  }

  async #attemptToOrphan(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node || node.virtual) return;
    const latest = await this.#get(node.identity);
    if (!latest?.metadata.deletionTimestamp || !latest.metadata.finalizers?.includes(ORPHAN)) {
      return;
    }
    for (const d of node.dependents) {
      try {
        const res = await this.#resourceFor(d.identity.apiVersion, d.identity.kind);
        await this.client.patch(
          res,
          d.identity.name,
          removeOwnerPatch({ metadata: { uid: d.identity.uid } }, [uid]),
          "strategic",
          { namespace: res.namespaced ? d.identity.namespace : undefined },
        );
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (!isNotFound(err) && code !== 409 && code !== 422) throw err;
      }
    }
    await this.#removeFinalizer(node.identity, latest, ORPHAN);
  }

  async #delete(id: Identity, policy: "Background" | "Foreground" | "Orphan"): Promise<void> {
    const res = await this.#resourceFor(id.apiVersion, id.kind);
    try {
      await this.client.delete(res, id.name, {
        namespace: res.namespaced ? id.namespace : undefined,
        preconditions: { uid: id.uid },
        propagationPolicy: policy,
      });
      this.log.debug(`deleted ${id.kind} ${id.namespace}/${id.name} (${policy})`);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (!isNotFound(err) && code !== 409) throw err;
    }
  }

  async #patch(id: Identity, obj: KubeObject, patch: unknown): Promise<void> {
    const res = await this.#resourceFor(id.apiVersion, id.kind);
    try {
      await this.client.patch(res, obj.metadata.name!, patch, "strategic", {
        namespace: res.namespaced ? id.namespace : undefined,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Removes `finalizer`, guarding with the resourceVersion and re-reading on a conflict. */
  async #removeFinalizer(id: Identity, obj: KubeObject, finalizer: string): Promise<void> {
    const res = await this.#resourceFor(id.apiVersion, id.kind);
    let current: KubeObject | undefined = obj;
    for (let attempt = 0; current; attempt++) {
      const finalizers = current.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      try {
        await this.client.patch(
          res,
          id.name,
          {
            metadata: {
              finalizers: finalizers.filter((f) => f !== finalizer),
              resourceVersion: current.metadata.resourceVersion,
            },
          },
          "merge",
          { namespace: res.namespaced ? id.namespace : undefined },
        );
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 5) throw err;
      }
      current = await this.#get(id);
    }
  }
}

/** A patch setting `blockOwnerDeletion: false` on the references to `owners`. */
function unblockPatch(obj: KubeObject, owners: OwnerReference[]): unknown {
  return {
    metadata: {
      ownerReferences: owners.map((r) => ({ ...r, blockOwnerDeletion: false })),
      uid: obj.metadata.uid,
    },
  };
}
