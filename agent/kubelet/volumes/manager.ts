/**
 * The pod volumes on this node, under `<kubelet-root>/pods/<uid>/volumes/<plugin>/<name>` as
 * upstream lays them out: `emptyDir` (a directory, or a tmpfs for `medium: Memory`), `configMap`,
 * `secret` (on a tmpfs), `downwardAPI` and `projected` (service account tokens, config maps,
 * secrets, downward API) written atomically and refreshed on every sync, `hostPath` with its
 * type checks, and claims bound to `hostPath` or `local` volumes. Also the mounts of a
 * container (with `subPath` and `subPathExpr`) and the removal of a finished pod's directory.
 *
 * What this kubelet set up is remembered (directories made, tmpfs mounted, the payload each
 * directory holds), so refreshing an unchanged volume compares in memory instead of reading the
 * mount table and the files again; after a restart the first sync checks the disk.
 *
 * @module
 */
import { constants } from "node:fs";
import { access, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../../kube/client/log.ts";
import type { Container, Pod } from "../../../kube/client/types.ts";
import type { Mount } from "../../../cri/types.ts";
import { parseQuantity } from "../../../kube/quantity.ts";
import { type EnvSources, expandVars } from "../env.ts";
import { type Payload, samePayload, writeAtomically } from "./atomic_writer.ts";
import { mountTmpfs, unmountAll } from "./mounts.ts";
import {
  type DownwardItem,
  downwardPayload,
  type KeyedData,
  keyedPayload,
  type KeyToPath,
  mergePayloads,
} from "./payload.ts";
import type { TokenManager } from "./tokens.ts";

/** The API objects volumes read. */
export interface VolumeObjects {
  configMap(namespace: string, name: string): Promise<KeyedData | undefined>;
  secret(namespace: string, name: string): Promise<KeyedData | undefined>;
  /** A claim's bound volume name and phase. */
  claim(
    namespace: string,
    name: string,
  ): Promise<{ volumeName?: string; phase?: string } | undefined>;
  /** A persistent volume's path on this node (`hostPath` or `local`). */
  volumePath(name: string): Promise<string | undefined>;
}

export interface VolumeManagerOptions {
  /** The kubelet root (`/var/lib/kubelet`). */
  root: string;
  objects: VolumeObjects;
  tokens: TokenManager;
  allocatable: EnvSources["allocatable"];
  log: Logger;
}

export interface PodVolume {
  path: string;
  /** Mounted read-only whatever the volumeMount says (configMap, secret, …). */
  readOnly: boolean;
}

/** A failure to set up a volume, with upstream's message. */
export class VolumeError extends Error {}

interface Volume {
  name: string;
  [source: string]: unknown;
}

export class VolumeManager {
  readonly #o: VolumeManagerOptions;
  /** Volume directories made (and mounted, for memory-backed ones) by this kubelet. */
  readonly #ready = new Set<string>();
  /** What each keyed volume directory holds, as last written or checked. */
  readonly #written = new Map<string, { payload: Payload; gid?: number }>();

  constructor(options: VolumeManagerOptions) {
    this.#o = options;
  }

  /** Makes `dir` (a tmpfs when `memory`) unless this kubelet already did. */
  async #prepare(dir: string, memory: boolean, mode?: number, sizeBytes?: number): Promise<void> {
    if (this.#ready.has(dir)) return;
    await mkdir(dir, { recursive: true, mode });
    if (memory) await mountTmpfs(dir, sizeBytes);
    this.#ready.add(dir);
  }

  podDir(uid: string): string {
    return join(this.#o.root, "pods", uid);
  }

  /** Sets up (or refreshes) every volume of the pod. */
  async setup(
    pod: Pod,
    ips: { podIps: string[]; hostIps: string[] },
  ): Promise<Map<string, PodVolume>> {
    const out = new Map<string, PodVolume>();
    for (const volume of (pod.spec?.volumes ?? []) as Volume[]) {
      try {
        out.set(volume.name, await this.#setupOne(pod, volume, ips));
      } catch (error) {
        if (error instanceof VolumeError) throw error;
        throw new VolumeError(
          `MountVolume.SetUp failed for volume "${volume.name}" : ${(error as Error).message}`,
        );
      }
    }
    return out;
  }

  #dir(pod: Pod, plugin: string, name: string): string {
    return join(this.podDir(pod.metadata.uid!), "volumes", `kubernetes.io~${plugin}`, name);
  }

  async #setupOne(
    pod: Pod,
    volume: Volume,
    ips: { podIps: string[]; hostIps: string[] },
  ): Promise<PodVolume> {
    const ns = pod.metadata.namespace!;
    const fsGroup = (pod.spec?.securityContext as { fsGroup?: number } | undefined)?.fsGroup;
    if (volume.emptyDir !== undefined) {
      const src = (volume.emptyDir ?? {}) as { medium?: string; sizeLimit?: string };
      const dir = this.#dir(pod, "empty-dir", volume.name);
      const memory = src.medium === "Memory";
      const size = memory && src.sizeLimit ? parseQuantity(src.sizeLimit).value() : undefined;
      await this.#prepare(dir, memory, 0o777, size);
      return { path: dir, readOnly: false };
    }
    if (volume.hostPath) {
      const src = volume.hostPath as { path: string; type?: string };
      await checkHostPath(src.path, src.type ?? "");
      return { path: src.path, readOnly: false };
    }
    if (volume.persistentVolumeClaim) {
      const src = volume.persistentVolumeClaim as { claimName: string; readOnly?: boolean };
      const claim = await this.#o.objects.claim(ns, src.claimName);
      if (!claim) throw new Error(`persistentvolumeclaim "${src.claimName}" not found`);
      // A claim names its volume once bound (or pre-bound by the user with spec.volumeName).
      if (!claim.volumeName || claim.phase === "Lost") {
        throw new Error(`persistentvolumeclaim "${src.claimName}" is not bound`);
      }
      const path = await this.#o.objects.volumePath(claim.volumeName);
      if (!path) {
        throw new Error(`persistentvolume "${claim.volumeName}" is neither hostPath nor local`);
      }
      await mkdir(path, { recursive: true });
      return { path, readOnly: Boolean(src.readOnly) };
    }
    let plugin: string;
    let payload: Payload;
    let memory = false;
    if (volume.configMap) {
      plugin = "configmap";
      const src = volume.configMap as {
        name: string;
        items?: KeyToPath[];
        defaultMode?: number;
        optional?: boolean;
      };
      const data = await this.#o.objects.configMap(ns, src.name);
      if (!data && !src.optional) throw new Error(`configmap "${src.name}" not found`);
      payload = keyedPayload(
        "configmap",
        data ?? {},
        src.items,
        src.defaultMode ?? 0o644,
        false,
        src.optional,
      );
    } else if (volume.secret) {
      plugin = "secret";
      memory = true;
      const src = volume.secret as {
        secretName: string;
        items?: KeyToPath[];
        defaultMode?: number;
        optional?: boolean;
      };
      const data = await this.#o.objects.secret(ns, src.secretName);
      if (!data && !src.optional) throw new Error(`secret "${src.secretName}" not found`);
      payload = keyedPayload(
        "secret",
        data ?? {},
        src.items,
        src.defaultMode ?? 0o644,
        true,
        src.optional,
      );
    } else if (volume.downwardAPI) {
      plugin = "downward-api";
      const src = volume.downwardAPI as { items?: DownwardItem[]; defaultMode?: number };
      payload = downwardPayload(
        pod,
        src.items ?? [],
        src.defaultMode ?? 0o644,
        ips,
        this.#o.allocatable,
      );
    } else if (volume.projected) {
      plugin = "projected";
      memory = true;
      payload = await this.#projected(pod, volume.projected as ProjectedSource, ips);
    } else {
      const kind = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
      throw new Error(`volumes of type ${kind} are not supported by this kubelet`);
    }
    const dir = this.#dir(pod, plugin, volume.name);
    const known = this.#written.get(dir);
    if (known && known.gid === fsGroup && samePayload(known.payload, payload)) {
      return { path: dir, readOnly: true };
    }
    await this.#prepare(dir, memory);
    const changed = await writeAtomically(dir, payload, fsGroup);
    this.#written.set(dir, { payload, gid: fsGroup });
    if (changed) this.#o.log.debug(`Volume ${volume.name} of ${ns}/${pod.metadata.name} written`);
    return { path: dir, readOnly: true };
  }

  async #projected(
    pod: Pod,
    src: ProjectedSource,
    ips: { podIps: string[]; hostIps: string[] },
  ): Promise<Payload> {
    const ns = pod.metadata.namespace!;
    const mode = src.defaultMode ?? 0o644;
    const parts: Payload[] = [];
    for (const s of src.sources ?? []) {
      if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        const token = await this.#o.tokens.token(pod, {
          serviceAccount: String(pod.spec?.serviceAccountName ?? "default"),
          audience: t.audience,
          expirationSeconds: t.expirationSeconds ?? 3600,
        });
        parts.push(new Map([[t.path, { content: new TextEncoder().encode(token), mode }]]));
      } else if (s.configMap) {
        const data = await this.#o.objects.configMap(ns, s.configMap.name);
        if (!data && !s.configMap.optional) {
          throw new Error(`configmap "${s.configMap.name}" not found`);
        }
        parts.push(
          keyedPayload(
            "configmap",
            data ?? {},
            s.configMap.items,
            mode,
            false,
            s.configMap.optional,
          ),
        );
      } else if (s.secret) {
        const data = await this.#o.objects.secret(ns, s.secret.name);
        if (!data && !s.secret.optional) throw new Error(`secret "${s.secret.name}" not found`);
        parts.push(
          keyedPayload("secret", data ?? {}, s.secret.items, mode, true, s.secret.optional),
        );
      } else if (s.downwardAPI) {
        parts.push(downwardPayload(pod, s.downwardAPI.items ?? [], mode, ips, this.#o.allocatable));
      }
    }
    return mergePayloads(parts);
  }

  /** The CRI mounts of a container's `volumeMounts`. */
  async containerMounts(
    container: Container,
    volumes: Map<string, PodVolume>,
    envs: { key: string; value: string }[],
  ): Promise<Mount[]> {
    const vars = Object.fromEntries(envs.map((e) => [e.key, e.value]));
    const out: Mount[] = [];
    type VolumeMount = {
      name: string;
      mountPath: string;
      readOnly?: boolean;
      subPath?: string;
      subPathExpr?: string;
      mountPropagation?: string;
    };
    for (const vm of (container.volumeMounts ?? []) as VolumeMount[]) {
      const volume = volumes.get(vm.name);
      if (!volume) throw new VolumeError(`volume "${vm.name}" is not set up`);
      let hostPath = volume.path;
      const sub = vm.subPathExpr ? expandVars(vm.subPathExpr, vars) : vm.subPath;
      if (sub) {
        if (sub.startsWith("/") || sub.split("/").includes("..")) {
          throw new VolumeError(`subPath "${sub}" must be a relative path without ..`);
        }
        hostPath = join(volume.path, sub);
        const exists = await stat(hostPath).then(() => true, () => false);
        if (!exists) await mkdir(hostPath, { recursive: true, mode: 0o755 });
      }
      out.push({
        containerPath: vm.mountPath,
        hostPath,
        readonly: Boolean(vm.readOnly) || volume.readOnly,
        propagation: vm.mountPropagation === "Bidirectional"
          ? "PROPAGATION_BIDIRECTIONAL"
          : vm.mountPropagation === "HostToContainer"
          ? "PROPAGATION_HOST_TO_CONTAINER"
          : "PROPAGATION_PRIVATE",
      });
    }
    return out;
  }

  /** A file of the pod's directory (etc-hosts, termination logs). */
  async writePodFile(uid: string, relative: string, content: string): Promise<string> {
    const path = join(this.podDir(uid), relative);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, content, { mode: 0o644 });
    return path;
  }

  /** Unmounts and removes everything of a pod (after its containers are gone). */
  async teardown(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    for (const d of this.#ready) if (d.startsWith(`${dir}/`)) this.#ready.delete(d);
    for (const d of this.#written.keys()) if (d.startsWith(`${dir}/`)) this.#written.delete(d);
    await unmountAll(dir);
    await rm(dir, { recursive: true, force: true });
    this.#o.tokens.forget(uid);
  }
}

interface ProjectedSource {
  defaultMode?: number;
  sources?: {
    serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
    configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
    secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
    downwardAPI?: { items?: DownwardItem[] };
  }[];
}

/** Upstream's hostPath type checks (and creation for the `OrCreate` types). */
export async function checkHostPath(path: string, type: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  switch (type) {
    case "":
      return;
    case "DirectoryOrCreate":
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) {
        throw new Error(`hostPath type check failed: ${path} is not a directory`);
      }
      return;
    case "FileOrCreate":
      if (!info) {
        await mkdir(join(path, ".."), { recursive: true });
        await writeFile(path, "", { mode: 0o644 });
      } else if (!info.isFile()) {
        throw new Error(`hostPath type check failed: ${path} is not a file`);
      }
      return;
    case "Directory":
      if (!info?.isDirectory()) {
        throw new Error(`hostPath type check failed: ${path} is not a directory`);
      }
      return;
    case "File":
      if (!info?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    case "Socket":
      if (!info?.isSocket()) {
        throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      }
      return;
    case "CharDevice":
      if (!info?.isCharacterDevice()) {
        throw new Error(`hostPath type check failed: ${path} is not a character device`);
      }
      return;
    case "BlockDevice":
      if (!info?.isBlockDevice()) {
        throw new Error(`hostPath type check failed: ${path} is not a block device`);
      }
      return;
  }
  await access(path, constants.F_OK);
}
