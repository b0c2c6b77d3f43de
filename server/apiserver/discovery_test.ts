import assert from "node:assert/strict";
import { aggregatedDiscovery, apiGroup, groupList, type RemoteGroupVersion } from "./discovery.ts";
import { testServer } from "./testing.ts";

const metrics: RemoteGroupVersion = {
  group: "metrics.k8s.io",
  version: "v1beta1",
  resources: [
    {
      name: "pods",
      singularName: "",
      namespaced: true,
      kind: "PodMetrics",
      verbs: ["get", "list"],
    },
    { name: "pods/status", namespaced: true, kind: "PodMetrics", verbs: ["get"] },
    { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get"] },
  ],
};

Deno.test("discovery adds the group-versions of extension API servers", async () => {
  const s = await testServer();
  try {
    const registry = s.api.registry;
    const groups = groupList(registry, [metrics]).groups.map((g) => g.name);
    assert.ok(groups.includes("metrics.k8s.io"), groups.join(","));
    assert.deepEqual(apiGroup(registry, "metrics.k8s.io", [metrics]).preferredVersion, {
      groupVersion: "metrics.k8s.io/v1beta1",
      version: "v1beta1",
    });
    assert.throws(() => apiGroup(registry, "metrics.k8s.io"));
    const doc = aggregatedDiscovery(registry, false, "v2", [metrics]) as {
      items: { metadata: { name: string }; versions: { resources: Record<string, unknown>[] }[] }[];
    };
    const item = doc.items.find((i) => i.metadata.name === "metrics.k8s.io")!;
    assert.deepEqual(item.versions[0].resources, [
      {
        resource: "pods",
        responseKind: { group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics" },
        scope: "Namespaced",
        singularResource: "",
        verbs: ["get", "list"],
        subresources: [{
          subresource: "status",
          responseKind: { group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics" },
          verbs: ["get"],
        }],
      },
      {
        resource: "nodes",
        responseKind: { group: "metrics.k8s.io", version: "v1beta1", kind: "NodeMetrics" },
        scope: "Cluster",
        singularResource: "",
        verbs: ["get"],
      },
    ]);
    // The core list never carries them.
    const core = aggregatedDiscovery(registry, true, "v2", [metrics]) as { items: unknown[] };
    assert.equal(JSON.stringify(core).includes("metrics.k8s.io"), false);
  } finally {
    await s.close();
  }
});
