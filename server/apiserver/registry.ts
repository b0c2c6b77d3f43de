/**
 * Every served resource, by group/version/resource and by kind, with its store. Custom resources
 * come and go at run time; discovery reads from here.
 *
 * @module
 */
import type { ResourceDef } from "./resource.ts";
import { ConvertingStore } from "./converting_store.ts";
import { Store, type StoreDeps } from "./store.ts";

export interface Served {
  def: ResourceDef;
  store: Store;
}

export class Registry {
  #byResource = new Map<string, Served>();
  #byKind = new Map<string, Served>();
  #deps: StoreDeps;
  /** Bumped on every change, so discovery documents can be cached. */
  generation = 0;

  constructor(deps: StoreDeps) {
    this.#deps = deps;
  }

  add(def: ResourceDef): Served {
    const store = def.converter ? new ConvertingStore(def, this.#deps) : new Store(def, this.#deps);
    const served = { def, store };
    for (const v of def.versions) {
      this.#byResource.set(`${def.group}/${v}/${def.plural}`, served);
      this.#byKind.set(`${def.group}/${v}/${def.kind}`, served);
    }
    this.generation++;
    return served;
  }

  remove(group: string, plural: string): void {
    for (const [k, s] of this.#byResource) {
      if (s.def.group === group && s.def.plural === plural) {
        this.#byResource.delete(k);
        for (const v of s.def.versions) this.#byKind.delete(`${group}/${v}/${s.def.kind}`);
        this.#deps.cacher.drop(s.store.root);
      }
    }
    this.generation++;
  }

  lookup(group: string, version: string, plural: string): Served | undefined {
    return this.#byResource.get(`${group}/${version}/${plural}`);
  }

  /** The resource serving `apiVersion` + `kind`. */
  byKind(apiVersion: string, kind: string): Served | undefined {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    return this.#byKind.get(`${group}/${version}/${kind}`);
  }

  /** The store of a resource in any version (controllers address resources this way). */
  store(group: string, plural: string): Store {
    for (const s of this.#byResource.values()) {
      if (s.def.group === group && s.def.plural === plural) return s.store;
    }
    throw new Error(`Cannot find resource ${plural}.${group || "core"}: not registered`);
  }

  /** All distinct resources. */
  all(): Served[] {
    return [...new Set(this.#byResource.values())];
  }

  /** Groups with their versions, core first, in registration order. */
  groups(): { group: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const s of this.all()) {
      const list = out.get(s.def.group) ?? [];
      for (const v of s.def.versions) if (!list.includes(v)) list.push(v);
      out.set(s.def.group, list);
    }
    return [...out].map(([group, versions]) => ({ group, versions: sortVersions(versions) }));
  }
}

/** Kubernetes version priority: GA > beta > alpha, then higher numbers first. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const level = m[2] === "alpha" ? 1 : m[2] === "beta" ? 2 : 3;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const ra = rank(a), rb = rank(b);
    return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
  });
}
