/**
 * Discovery documents: `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`,
 * built from the {@link Registry}.
 *
 * @module
 */
import { notFound } from "../../kube/errors.ts";
import { DEFAULT_VERBS, type ResourceDef } from "./resource.ts";
import type { Registry } from "./registry.ts";

const SUBRESOURCE_VERBS = ["get", "patch", "update"];

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

export function groupList(registry: Registry) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: registry.groups().filter((g) => g.group !== "").map((g) =>
      groupDoc(g.group, g.versions)
    ),
  };
}

export function apiGroup(registry: Registry, group: string) {
  const g = registry.groups().find((x) => x.group === group);
  if (!g || group === "") throw notFound({ group: "", resource: "" }, "");
  return { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g.group, g.versions) };
}
