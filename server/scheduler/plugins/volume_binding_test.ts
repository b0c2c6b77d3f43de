import assert from "node:assert/strict";
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
} from "../../../kube/client/mod.ts";
import type { SchedulerCache } from "../cache.ts";
import { Cycle } from "../framework.ts";
import { podInfo } from "../pod_info.ts";
import { cacheWith, failure, node, place, pod } from "../testing.ts";
import { schedulePod } from "../schedule_one.ts";
import { DEFAULT_PLUGINS } from "./mod.ts";
import { volumesToBind } from "./volume_binding.ts";

function withClaim(name: string, claim: string) {
  const p = pod(name);
  p.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: claim } }];
  return p;
}

function pvc(
  name: string,
  o: { className?: string; volumeName?: string } = {},
): PersistentVolumeClaim {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      storageClassName: o.className,
      volumeName: o.volumeName,
    },
  };
}

function pv(
  name: string,
  host: string,
  o: { className?: string; size?: string } = {},
): PersistentVolume {
  return {
    metadata: { name },
    spec: {
      capacity: { storage: o.size ?? "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: o.className ?? "",
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [host] }],
          }],
        },
      },
    },
    status: { phase: "Available" },
  };
}

function sc(name: string, provisioner: string, mode = "WaitForFirstConsumer"): StorageClass {
  return { metadata: { name }, provisioner, volumeBindingMode: mode };
}

function cluster(): SchedulerCache {
  return cacheWith([node("a", { labels: { zone: "z1" } }), node("b", { labels: { zone: "z2" } })]);
}

Deno.test("VolumeBinding: a missing claim rejects the pod in PreFilter, as upstream words it", () => {
  assert.equal(
    failure(cluster(), withClaim("p", "nope")),
    '0/2 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/2 nodes ' +
      "are available: 2 Preemption is not helpful for scheduling.",
  );
});

Deno.test("VolumeBinding: a bound claim's volume node affinity picks the node", () => {
  const cache = cluster();
  cache.claims.set("default/data", pvc("data", { volumeName: "pv-b" }));
  cache.volumes.set("pv-b", pv("pv-b", "b"));
  for (let i = 0; i < 4; i++) assert.equal(place(cache, withClaim(`p${i}`, "data")), "b");
  cache.claims.set("default/gone", pvc("gone", { volumeName: "pv-x" }));
  assert.match(
    failure(cache, withClaim("q", "gone")),
    /2 node\(s\) unavailable due to one or more pvc\(s\) bound to non-existent pv\(s\)\./,
  );
});

Deno.test("VolumeBinding: unbound claims must wait for their first consumer", () => {
  const cache = cluster();
  cache.storageClasses.set("fast", sc("fast", "example.com/csi", "Immediate"));
  cache.claims.set("default/now", pvc("now", { className: "fast" }));
  assert.match(
    failure(cache, withClaim("p", "now")),
    /^0\/2 nodes are available: pod has unbound immediate PersistentVolumeClaims\./,
  );
  cache.storageClasses.set("local-path", {
    ...sc("local-path", "rancher.io/local-path"),
    allowedTopologies: [{ matchLabelExpressions: [{ key: "zone", values: ["z2"] }] }],
  });
  cache.claims.set("default/later", pvc("later", { className: "local-path" }));
  const cycle = new Cycle(podInfo(withClaim("q", "later")), cache);
  assert.equal(schedulePod(DEFAULT_PLUGINS, cycle).node, "b", "only z2 is allowed by the class");
  assert.deepEqual(volumesToBind(cycle).map((d) => d.claim.metadata.name), ["later"]);
});

Deno.test("VolumeBinding: no-provisioner claims need an available local volume on the node", () => {
  const cache = cluster();
  cache.storageClasses.set("local", sc("local", "kubernetes.io/no-provisioner"));
  cache.claims.set("default/disk", pvc("disk", { className: "local" }));
  assert.match(
    failure(cache, withClaim("p", "disk")),
    /2 node\(s\) didn't find available persistent volumes to bind\./,
  );
  cache.volumes.set("small-a", pv("small-a", "a", { className: "local", size: "100Mi" }));
  cache.volumes.set("big-b", pv("big-b", "b", { className: "local" }));
  assert.equal(place(cache, withClaim("q", "disk")), "b");
});
