/**
 * Discovery as the garbage collector and the namespace controller use it: every resource the
 * server serves in each group's preferred version (`ServerPreferredResources`), with its verbs,
 * so that custom resources are covered as soon as their CRD is established. A group whose
 * discovery fails is reported, not fatal: the others are still returned.
 *
 * @module
 */
import { type KubeClient, type Resource, resource } from "../../../kube/client/mod.ts";

/** One served resource. */
export interface DiscoveredResource {
  resource: Resource;
  verbs: string[];
}

/** What discovery found, and the group versions it could not read. */
export interface Discovery {
  resources: DiscoveredResource[];
  failed: { groupVersion: string; error: Error }[];
}

interface ResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

interface GroupList {
  groups?: { name: string; preferredVersion?: { version: string } }[];
}

/** Lists every resource (no subresources) in each group's preferred version. */
export async function discover(client: KubeClient, signal?: AbortSignal): Promise<Discovery> {
  const core = await client.request<{ versions?: string[] }>("GET", "/api", undefined, { signal });
  const groups = await client.request<GroupList>("GET", "/apis", undefined, { signal });
  const versions: [string, string, string][] = (core.versions ?? ["v1"]).slice(0, 1)
    .map((v) => ["", v, `/api/${v}`]);
  for (const g of groups.groups ?? []) {
    const v = g.preferredVersion?.version;
    if (v) versions.push([g.name, v, `/apis/${g.name}/${v}`]);
  }
  const out: Discovery = { resources: [], failed: [] };
  const lists = await Promise.allSettled(
    versions.map(([, , path]) => client.request<ResourceList>("GET", path, undefined, { signal })),
  );
  lists.forEach((r, i) => {
    const [group, version] = versions[i];
    if (r.status === "rejected") {
      out.failed.push({
        groupVersion: group ? `${group}/${version}` : version,
        error: r.reason as Error,
      });
      return;
    }
    for (const res of r.value.resources ?? []) {
      if (res.name.includes("/")) continue;
      out.resources.push({
        resource: resource(group, version, res.name, res.kind, res.namespaced),
        verbs: res.verbs ?? [],
      });
    }
  });
  return out;
}

/** True when every verb is among the resource's. */
export function hasVerbs(r: DiscoveredResource, ...verbs: string[]): boolean {
  return verbs.every((v) => r.verbs.includes(v));
}

/** `group/resource`, the name a resource is known by in messages and ignore lists. */
export function groupResource(res: Resource): string {
  return res.group ? `${res.resource}.${res.group}` : res.resource;
}
