/**
 * Discovery documents: `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`,
 * built from the {@link Registry}, plus the group-versions extension API servers serve through
 * the aggregator ({@link RemoteGroupVersion}).
 *
 * @module
 */
import { notFound } from "../../kube/errors.ts";
import { DEFAULT_VERBS, type ResourceDef } from "./resource.ts";
import type { Registry } from "./registry.ts";

const SUBRESOURCE_VERBS = ["get", "patch", "update"];

/** A group-version an extension API server serves, with its `APIResourceList.resources`. */
export interface RemoteGroupVersion {
  group: string;
  version: string;
  resources: Record<string, unknown>[];
}

/** Local groups, then the remote ones (a remote version of a local group joins that group). */
function allGroups(
  registry: Registry,
  remote: readonly RemoteGroupVersion[],
): { group: string; versions: string[] }[] {
  const groups = registry.groups().map((g) => ({ group: g.group, versions: [...g.versions] }));
  for (const r of remote) {
    const g = groups.find((x) => x.group === r.group);
    if (!g) groups.push({ group: r.group, versions: [r.version] });
    else if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return groups;
}

function resourceEntries(def: ResourceDef): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: def.verbs ?? DEFAULT_VERBS,
  };
  if (def.shortNames?.length) main.shortNames = def.shortNames;
  if (def.categories?.length) main.categories = def.categories;
  const out = [main];
  if (def.status) {
    out.push({
      name: `${def.plural}/status`,
      singularName: "",
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: SUBRESOURCE_VERBS,
    });
  }
  if (def.scale) {
    out.push({
      name: `${def.plural}/scale`,
      singularName: "",
      namespaced: def.namespaced,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: SUBRESOURCE_VERBS,
    });
  }
  for (const sub of def.extraSubresources ?? []) {
    out.push({
      name: `${def.plural}/${sub.name}`,
      singularName: "",
      namespaced: def.namespaced,
      kind: sub.kind,
      ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
      verbs: sub.verbs,
    });
  }
  return out;
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function resourceList(registry: Registry, group: string, version: string) {
  const defs = registry.all().map((s) => s.def).filter((d) =>
    d.group === group && d.versions.includes(version)
  );
  if (defs.length === 0) throw notFound({ group: "", resource: "" }, "");
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: defs.flatMap(resourceEntries),
  };
}

function groupDoc(group: string, versions: string[]) {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

export function groupList(registry: Registry, remote: readonly RemoteGroupVersion[] = []) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: allGroups(registry, remote).filter((g) => g.group !== "").map((g) =>
      groupDoc(g.group, g.versions)
    ),
  };
}

export function apiGroup(
  registry: Registry,
  group: string,
  remote: readonly RemoteGroupVersion[] = [],
) {
  const g = allGroups(registry, remote).find((x) => x.group === group);
  if (!g || group === "") throw notFound({ group: "", resource: "" }, "");
  return { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g.group, g.versions) };
}

/** The aggregated discovery media type for `version` ("v2" or "v2beta1"). */
export function aggregatedType(version: string): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** Which aggregated discovery version `Accept` asks for first, if any. */
export function wantsAggregated(accept: string | null): string | null {
  for (const part of (accept ?? "").split(",")) {
    const p = part.toLowerCase().replaceAll(" ", "");
    if (!p.includes("as=apigroupdiscoverylist") || !p.includes("g=apidiscovery.k8s.io")) {
      if (p.startsWith("application/json") || p.startsWith("*/*")) return null;
      continue;
    }
    if (p.includes("v=v2beta1")) return "v2beta1";
    if (p.includes("v=v2")) return "v2";
  }
  return null;
}

function aggregatedResource(def: ResourceDef, version: string): Record<string, unknown> {
  const kind = { group: def.group, version, kind: def.kind };
  const out: Record<string, unknown> = {
    resource: def.plural,
    responseKind: kind,
    scope: def.namespaced ? "Namespaced" : "Cluster",
    singularResource: def.singular,
    verbs: def.verbs ?? DEFAULT_VERBS,
  };
  if (def.shortNames?.length) out.shortNames = def.shortNames;
  if (def.categories?.length) out.categories = def.categories;
  const subs: Record<string, unknown>[] = [];
  if (def.status) {
    subs.push({ subresource: "status", responseKind: kind, verbs: SUBRESOURCE_VERBS });
  }
  if (def.scale) {
    subs.push({
      subresource: "scale",
      responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
      verbs: SUBRESOURCE_VERBS,
    });
  }
  for (const s of def.extraSubresources ?? []) {
    subs.push({
      subresource: s.name,
      responseKind: { group: s.group ?? def.group, version: s.version ?? version, kind: s.kind },
      verbs: s.verbs,
    });
  }
  if (subs.length) out.subresources = subs;
  return out;
}

/** An `APIResourceList`'s resources in the aggregated form (subresources under their parent). */
function aggregatedFromList(r: RemoteGroupVersion): Record<string, unknown>[] {
  const out = new Map<string, Record<string, unknown>>();
  const kindOf = (e: Record<string, unknown>) => ({
    group: typeof e.group === "string" ? e.group : r.group,
    version: typeof e.version === "string" ? e.version : r.version,
    kind: e.kind,
  });
  for (const e of r.resources) {
    const name = String(e.name ?? "");
    if (!name || name.includes("/")) continue;
    const res: Record<string, unknown> = {
      resource: name,
      responseKind: kindOf(e),
      scope: e.namespaced ? "Namespaced" : "Cluster",
      singularResource: e.singularName ?? "",
      verbs: e.verbs ?? [],
    };
    if (Array.isArray(e.shortNames) && e.shortNames.length) res.shortNames = e.shortNames;
    if (Array.isArray(e.categories) && e.categories.length) res.categories = e.categories;
    out.set(name, res);
  }
  for (const e of r.resources) {
    const [parent, sub] = String(e.name ?? "").split("/");
    const res = sub ? out.get(parent) : undefined;
    if (!res) continue;
    const subs = (res.subresources ??= []) as Record<string, unknown>[];
    subs.push({ subresource: sub, responseKind: kindOf(e), verbs: e.verbs ?? [] });
  }
  return [...out.values()];
}

/** `APIGroupDiscoveryList` for `/api` (core only) or `/apis` (every other group). */
export function aggregatedDiscovery(
  registry: Registry,
  core: boolean,
  version: string,
  remote: readonly RemoteGroupVersion[] = [],
): Record<string, unknown> {
  const defs = registry.all().map((s) => s.def);
  const groups = core ? registry.groups() : allGroups(registry, remote);
  const items = groups.filter((g) => (g.group === "") === core).map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((v) => {
      const r = remote.find((x) => x.group === g.group && x.version === v);
      return {
        version: v,
        resources: r
          ? aggregatedFromList(r)
          : defs.filter((d) => d.group === g.group && d.versions.includes(v)).map((d) =>
            aggregatedResource(d, v)
          ),
        freshness: "Current",
      };
    }),
  }));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}
