/**
 * The pods this node should run: those the API binds to it (an informer on
 * `spec.nodeName=<node>`), plus static pods from the manifest directory, each with a mirror pod
 * in the API that carries its status (upstream's file source and mirror client).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeClient } from "../../kube/client/client.ts";
import { isAlreadyExists, isNotFound } from "../../kube/client/errors.ts";
import type { SharedInformer } from "../../kube/client/informer.ts";
import type { Logger } from "../../kube/client/log.ts";
import { PODS } from "../../kube/client/resources.ts";
import type { Pod } from "../../kube/client/types.ts";
import { deepEqual, formatTime } from "../../kube/meta.ts";
import type { PodSource } from "./pod_workers.ts";

export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
export const HASH_ANNOTATION = "kubernetes.io/config.hash";
export const SOURCE_ANNOTATION = "kubernetes.io/config.source";

/** True when two versions of a pod differ at most in status and bookkeeping metadata. */
export function sameBeyondStatus(a: Pod, b: Pod): boolean {
  const meta = (p: Pod) => {
    const { resourceVersion: _rv, managedFields: _mf, ...rest } = p.metadata;
    return rest;
  };
  return deepEqual(meta(a), meta(b)) && deepEqual(a.spec, b.spec);
}

export function isMirrorPod(pod: Pod): boolean {
  return Boolean(pod.metadata.annotations?.[MIRROR_ANNOTATION]);
}

/** A static pod from manifest text, with upstream's defaults and naming. */
export function staticPod(text: string, nodeName: string, path: string): Pod[] {
  const out: Pod[] = [];
  for (const doc of parseAllDocuments(text)) {
    const raw = doc.toJS() as Pod | null;
    if (!raw || raw.kind !== "Pod") continue;
    const pod = structuredClone(raw);
    const hash = createHash("md5").update(`${nodeName}\n${path}\n${JSON.stringify(raw)}`).digest(
      "hex",
    );
    pod.metadata = {
      ...pod.metadata,
      name: `${pod.metadata?.name}-${nodeName}`,
      namespace: pod.metadata?.namespace ?? "default",
      uid: hash,
      annotations: {
        ...(pod.metadata?.annotations ?? {}),
        [HASH_ANNOTATION]: hash,
        [SOURCE_ANNOTATION]: "file",
        "kubernetes.io/config.seen": formatTime(),
      },
    };
    const spec = pod.spec!;
    spec.nodeName = nodeName;
    spec.restartPolicy ??= "Always";
    spec.dnsPolicy ??= "ClusterFirst";
    spec.terminationGracePeriodSeconds ??= 30;
    spec.enableServiceLinks ??= true;
    spec.tolerations = [...(spec.tolerations ?? []), { operator: "Exists", effect: "NoExecute" }];
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      c.terminationMessagePath ??= "/dev/termination-log";
      c.terminationMessagePolicy ??= "File";
    }
    out.push(pod);
  }
  return out;
}

export interface NodePodSourceOptions {
  client: KubeClient;
  nodeName: string;
  informer: SharedInformer<Pod>;
  manifestDir: string;
  log: Logger;
  /** A pod's UID to sync. */
  onChange(uid: string): void;
}

export class NodePodSource implements PodSource {
  readonly #o: NodePodSourceOptions;
  readonly #byUid = new Map<string, string>();
  #static = new Map<string, Pod>();
  #nodeUid: string | undefined;

  constructor(options: NodePodSourceOptions) {
    this.#o = options;
    options.informer.addEventHandler({
      add: (p) => this.#index(p),
      // A status write of our own comes back as an update: only other changes need a sync.
      update: (old, p) => {
        if (!sameBeyondStatus(old, p)) this.#index(p);
      },
      delete: (p) => {
        this.#byUid.delete(p.metadata.uid!);
        this.#changed(p);
      },
    });
  }

  set nodeUid(uid: string | undefined) {
    this.#nodeUid = uid;
  }

  #index(pod: Pod): void {
    if (!isMirrorPod(pod)) {
      this.#byUid.set(pod.metadata.uid!, `${pod.metadata.namespace}/${pod.metadata.name}`);
    }
    this.#changed(pod);
  }

  #changed(pod: Pod): void {
    if (isMirrorPod(pod)) {
      const hash = pod.metadata.annotations![MIRROR_ANNOTATION];
      if (this.#static.has(hash)) this.#o.onChange(hash);
      return;
    }
    this.#o.onChange(pod.metadata.uid!);
  }

  get(uid: string): Pod | undefined {
    const s = this.#static.get(uid);
    if (s) return s;
    const key = this.#byUid.get(uid);
    const pod = key ? this.#o.informer.store.get(key) : undefined;
    return pod && pod.metadata.uid === uid ? pod : undefined;
  }

  all(): Pod[] {
    const api = [...this.#o.informer.store.values()].filter((p) => !isMirrorPod(p));
    return [...api, ...this.#static.values()];
  }

  isStatic(pod: Pod): boolean {
    return this.#static.has(pod.metadata.uid!);
  }

  statusTarget(pod: Pod): Pod | undefined {
    if (!this.isStatic(pod)) return pod;
    const mirror = this.#o.informer.store.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    return mirror && mirror.metadata.annotations?.[MIRROR_ANNOTATION] === pod.metadata.uid
      ? mirror
      : undefined;
  }

  /** Reads the manifest directory; changed static pods are queued. */
  async scan(): Promise<void> {
    const next = new Map<string, Pod>();
    let files: string[] = [];
    try {
      files = (await readdir(this.#o.manifestDir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    } catch {
      files = [];
    }
    for (const file of files) {
      const path = join(this.#o.manifestDir, file);
      try {
        for (const pod of staticPod(await readFile(path, "utf8"), this.#o.nodeName, path)) {
          next.set(pod.metadata.uid!, this.#static.get(pod.metadata.uid!) ?? pod);
        }
      } catch (error) {
        this.#o.log.warn(
          `Cannot read the static pod manifest ${path}: ${(error as Error).message}`,
        );
      }
    }
    const before = this.#static;
    this.#static = next;
    for (const uid of new Set([...before.keys(), ...next.keys()])) {
      if (before.has(uid) !== next.has(uid)) this.#o.onChange(uid);
    }
  }

  /** Creates missing mirror pods and deletes those of static pods that are gone or changed. */
  async syncMirrors(): Promise<void> {
    const wanted = new Map(
      [...this.#static.values()].map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]),
    );
    for (const pod of this.#o.informer.store.values()) {
      if (!isMirrorPod(pod)) continue;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const want = wanted.get(key);
      if (
        want && pod.metadata.annotations![MIRROR_ANNOTATION] === want.metadata.uid &&
        !pod.metadata.deletionTimestamp
      ) {
        wanted.delete(key);
        continue;
      }
      try {
        await this.#o.client.delete(PODS, pod.metadata.name!, {
          namespace: pod.metadata.namespace,
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    for (const pod of wanted.values()) {
      const mirror: Pod = {
        metadata: {
          name: pod.metadata.name,
          namespace: pod.metadata.namespace,
          labels: pod.metadata.labels,
          annotations: { ...pod.metadata.annotations, [MIRROR_ANNOTATION]: pod.metadata.uid! },
          ownerReferences: this.#nodeUid
            ? [{
              apiVersion: "v1",
              kind: "Node",
              name: this.#o.nodeName,
              uid: this.#nodeUid,
              controller: true,
            }]
            : undefined,
        },
        spec: pod.spec,
      };
      try {
        await this.#o.client.create(PODS, mirror);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
  }
}
