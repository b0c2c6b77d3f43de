/**
 * The API objects pods refer to (config maps, secrets, services, claims and volumes), read
 * with GETs as the node's own identity and kept a few seconds, for environment variables and
 * volumes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { KubeClient } from "../../kube/client/client.ts";
import { isNotFound } from "../../kube/client/errors.ts";
import {
  CONFIGMAPS,
  PERSISTENT_VOLUME_CLAIMS,
  PERSISTENT_VOLUMES,
  SECRETS,
  SERVICES,
} from "../../kube/client/resources.ts";
import type { KubeObject } from "../../kube/meta.ts";
import type { EnvSources } from "./env.ts";
import { serviceLinkEnv } from "./env.ts";
import type { VolumeObjects } from "./volumes/manager.ts";
import type { KeyedData } from "./volumes/payload.ts";

const TTL_MS = 2000;

export class ApiObjects implements VolumeObjects {
  readonly #client: KubeClient;
  readonly #cache = new Map<string, { at: number; value: Promise<KubeObject | undefined> }>();
  readonly allocatable: EnvSources["allocatable"];

  constructor(client: KubeClient, allocatable: EnvSources["allocatable"]) {
    this.#client = client;
    this.allocatable = allocatable;
  }

  #get(
    res: typeof CONFIGMAPS,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    const key = `${res.resource}/${namespace ?? ""}/${name}`;
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.value;
    const value = this.#client.get(res, name, { namespace }).catch((error) => {
      if (isNotFound(error)) return undefined;
      this.#cache.delete(key);
      throw error;
    });
    this.#cache.set(key, { at: now, value });
    if (this.#cache.size > 2000) {
      for (const [k, v] of this.#cache) if (now - v.at >= TTL_MS) this.#cache.delete(k);
    }
    return value;
  }

  async configMap(namespace: string, name: string): Promise<KeyedData | undefined> {
    const cm = await this.#get(CONFIGMAPS, namespace, name);
    return cm
      ? {
        data: cm.data as Record<string, string>,
        binaryData: cm.binaryData as Record<string, string>,
      }
      : undefined;
  }

  /** Secret data as stored: base64. */
  async secret(namespace: string, name: string): Promise<KeyedData | undefined> {
    const s = await this.#get(SECRETS, namespace, name);
    return s ? { data: s.data as Record<string, string> } : undefined;
  }

  async claim(namespace: string, name: string) {
    const pvc = await this.#get(PERSISTENT_VOLUME_CLAIMS, namespace, name);
    if (!pvc) return undefined;
    return {
      volumeName: (pvc.spec as { volumeName?: string } | undefined)?.volumeName,
      phase: (pvc.status as { phase?: string } | undefined)?.phase,
    };
  }

  async volumePath(name: string): Promise<string | undefined> {
    const pv = await this.#get(PERSISTENT_VOLUMES, undefined, name);
    const spec = pv?.spec as { hostPath?: { path: string }; local?: { path: string } } | undefined;
    return spec?.hostPath?.path ?? spec?.local?.path;
  }

  /** The environment's view: config map data as text, secret data decoded. */
  envSources(): EnvSources {
    return {
      allocatable: this.allocatable,
      configMap: async (ns, name) => {
        const cm = await this.configMap(ns, name);
        if (!cm) return undefined;
        const out: Record<string, string> = { ...(cm.data ?? {}) };
        for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
          out[k] = Buffer.from(v, "base64").toString("utf8");
        }
        return out;
      },
      secret: async (ns, name) => {
        const s = await this.secret(ns, name);
        if (!s) return undefined;
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map((
            [k, v],
          ) => [k, Buffer.from(v, "base64").toString("utf8")]),
        );
      },
      serviceEnv: (ns, links) => this.#serviceEnv(ns, links),
    };
  }

  async #serviceEnv(namespace: string, links: boolean): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    type Svc = {
      spec?: { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
    };
    const add = (name: string, svc: Svc) =>
      Object.assign(out, serviceLinkEnv(name, svc.spec?.clusterIP ?? "", svc.spec?.ports ?? []));
    if (links) {
      try {
        const list = await this.#client.list(SERVICES, { namespace });
        for (const svc of list.items) add(svc.metadata.name!, svc as Svc);
      } catch {
        // Service links are a convenience: a failed list leaves them out.
      }
    }
    const master = await this.#get(SERVICES, "default", "kubernetes").catch(() => undefined);
    if (master) add("kubernetes", master as Svc);
    return out;
  }
}
