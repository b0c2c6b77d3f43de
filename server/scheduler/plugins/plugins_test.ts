import assert from "node:assert/strict";
import { cacheWith, failure, node, place, placeAndBind, pod } from "../testing.ts";

const zone = (z: string) => ({ "topology.kubernetes.io/zone": z });

Deno.test("NodeUnschedulable admits only pods tolerating the unschedulable taint", () => {
  const cache = cacheWith([node("a", { unschedulable: true })]);
  assert.match(
    failure(cache, pod("p")),
    /^0\/1 nodes are available: 1 node\(s\) were unschedulable\./,
  );
  const tolerant = pod("q", {
    tolerations: [{
      key: "node.kubernetes.io/unschedulable",
      operator: "Exists",
      effect: "NoSchedule",
    }],
  });
  assert.equal(place(cache, tolerant), "a");
});

Deno.test("TaintToleration filters NoSchedule/NoExecute taints and names the first one", () => {
  const cache = cacheWith([
    node("a", { taints: [{ key: "k", value: "v", effect: "NoExecute" }] }),
    node("b", { taints: [{ key: "gpu", effect: "NoSchedule" }] }),
  ]);
  const msg = failure(cache, pod("p"));
  assert.match(
    msg,
    /1 node\(s\) had untolerated taint \{gpu: \}, 1 node\(s\) had untolerated taint \{k: v\}\./,
  );
  const tolerant = pod("t", { tolerations: [{ key: "k", operator: "Equal", value: "v" }] });
  assert.equal(place(cache, tolerant), "a");
  const any = pod("any", { tolerations: [{ operator: "Exists" }] });
  assert.ok(["a", "b"].includes(place(cache, any)));
  const wrongEffect = pod("w", {
    tolerations: [{ key: "gpu", operator: "Exists", effect: "NoExecute" }],
  });
  assert.match(failure(cache, wrongEffect), /untolerated taint \{gpu: \}/);
});

Deno.test("TaintToleration scores nodes with fewer intolerable PreferNoSchedule taints higher", () => {
  const cache = cacheWith([
    node("soft", { taints: [{ key: "a", effect: "PreferNoSchedule" }] }),
    node("clean"),
  ]);
  for (let i = 0; i < 5; i++) assert.equal(place(cache, pod(`p${i}`)), "clean");
});

Deno.test("NodeAffinity: nodeSelector and required terms filter; preferred terms score", () => {
  const cache = cacheWith([
    node("a", { labels: { disk: "ssd", gen: "3", ...zone("z1") } }),
    node("b", { labels: { disk: "hdd", gen: "5", ...zone("z2") } }),
    node("c", { labels: { gen: "7" } }),
  ]);
  assert.equal(place(cache, pod("sel", { nodeSelector: { disk: "ssd" } })), "a");
  const expr = (key: string, operator: string, values?: string[]) => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }],
        },
      },
    },
  });
  assert.equal(place(cache, pod("gt", expr("gen", "Gt", ["6"]))), "c");
  assert.equal(place(cache, pod("lt", expr("gen", "Lt", ["4"]))), "a");
  assert.equal(place(cache, pod("none", expr("disk", "DoesNotExist"))), "c");
  assert.equal(place(cache, pod("notin", expr("disk", "NotIn", ["ssd", "hdd"]))), "c");
  assert.match(
    failure(cache, pod("nowhere", expr("disk", "In", ["nvme"]))),
    /^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\.$/,
  );
  const field = {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{
            matchFields: [{ key: "metadata.name", operator: "In", values: ["b"] }],
          }],
        },
      },
    },
  };
  assert.equal(place(cache, pod("field", field)), "b");
  const preferred = {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 10,
            preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["hdd"] }] },
          },
          {
            weight: 1,
            preference: { matchExpressions: [{ key: "gen", operator: "In", values: ["3"] }] },
          },
        ],
      },
    },
  };
  for (let i = 0; i < 5; i++) assert.equal(place(cache, pod(`pref${i}`, preferred)), "b");
});

Deno.test("NodePorts: a host port in use on 0.0.0.0 or the same address rejects the node", () => {
  const cache = cacheWith([node("a"), node("b")], [[pod("web", { hostPort: 8080 }), "a"]]);
  assert.equal(place(cache, pod("p", { hostPort: 8080 })), "b");
  assert.equal(place(cache, pod("q", { hostPort: 8080, hostIP: "10.0.0.1" })), "b");
  const full = cacheWith([node("a")], [[pod("x", { hostPort: 53, hostIP: "10.0.0.1" }), "a"]]);
  assert.equal(place(full, pod("other-ip", { hostPort: 53, hostIP: "10.0.0.2" })), "a");
  assert.match(
    failure(full, pod("any-ip", { hostPort: 53 })),
    /1 node\(s\) didn't have free ports for the requested pod ports\./,
  );
});

const antiAffinity = (app: string, topologyKey = "kubernetes.io/hostname") => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{
      labelSelector: { matchLabels: { app } },
      topologyKey,
    }],
  },
});

Deno.test("InterPodAffinity: required anti-affinity puts one replica per node", () => {
  const cache = cacheWith([node("a"), node("b"), node("c")]);
  const nodes = new Set<string>();
  for (let i = 0; i < 3; i++) {
    nodes.add(
      placeAndBind(cache, pod(`r${i}`, { labels: { app: "db" }, affinity: antiAffinity("db") })),
    );
  }
  assert.equal(nodes.size, 3);
  assert.match(
    failure(cache, pod("r3", { labels: { app: "db" }, affinity: antiAffinity("db") })),
    /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\./,
  );
  // The placed replicas' own anti-affinity also keeps a matching pod without terms away.
  assert.match(
    failure(cache, pod("plain", { labels: { app: "db" } })),
    /3 node\(s\) didn't satisfy existing pods anti-affinity rules\./,
  );
  assert.ok(place(cache, pod("other", { labels: { app: "web" } })));
});

Deno.test("InterPodAffinity: required affinity follows the matching pods' zone", () => {
  const cache = cacheWith([
    node("a", { labels: zone("z1") }),
    node("b", { labels: zone("z2") }),
    node("c", { labels: zone("z2") }),
  ], [[pod("cache", { labels: { app: "cache" } }), "b"]]);
  const affinity = (app: string) => ({
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{
        labelSelector: { matchLabels: { app } },
        topologyKey: "topology.kubernetes.io/zone",
      }],
    },
  });
  for (let i = 0; i < 6; i++) {
    assert.ok(["b", "c"].includes(place(cache, pod(`w${i}`, { affinity: affinity("cache") }))));
  }
  assert.match(
    failure(cache, pod("lonely", { affinity: affinity("nothing") })),
    /3 node\(s\) didn't match pod affinity rules\./,
  );
  // The first pod of a group with affinity to itself may go anywhere.
  assert.ok(place(cache, pod("first", { labels: { app: "new" }, affinity: affinity("new") })));
});

Deno.test("InterPodAffinity: preferred affinity and anti-affinity steer the score", () => {
  const cache = cacheWith([node("a"), node("b")], [[
    pod("cache", { labels: { app: "cache" } }),
    "b",
  ]]);
  const term = {
    labelSelector: { matchLabels: { app: "cache" } },
    topologyKey: "kubernetes.io/hostname",
  };
  const near = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
    },
  };
  const far = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
    },
  };
  for (let i = 0; i < 5; i++) {
    assert.equal(place(cache, pod(`near${i}`, { affinity: near })), "b");
    assert.equal(place(cache, pod(`far${i}`, { affinity: far })), "a");
  }
});

Deno.test("PodTopologySpread: DoNotSchedule keeps zones within maxSkew", () => {
  const cache = cacheWith([
    node("a", { labels: zone("z1") }),
    node("b", { labels: zone("z2") }),
    node("c", { labels: zone("z3") }),
    node("nolabel"),
  ]);
  const spread = [{
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: "DoNotSchedule",
    labelSelector: { matchLabels: { app: "web" } },
  }];
  const perZone: Record<string, number> = {};
  for (let i = 0; i < 9; i++) {
    const n = placeAndBind(cache, pod(`w${i}`, { labels: { app: "web" }, spread }));
    perZone[n] = (perZone[n] ?? 0) + 1;
  }
  assert.deepEqual(perZone, { a: 3, b: 3, c: 3 });
  const only = cacheWith([
    node("a", { labels: zone("z1") }),
    node("b", { labels: zone("z2"), cpu: "1" }),
  ], [
    [pod("x1", { labels: { app: "web" } }), "a"],
    [pod("hog", { cpu: "1" }), "b"],
  ]);
  assert.equal(
    failure(only, pod("w", { labels: { app: "web" }, spread, cpu: "100m" })),
    "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match pod topology spread " +
      "constraints. preemption: 0/2 nodes are available: 2 No preemption victims found for " +
      "incoming pod.",
  );
  assert.match(
    failure(cacheWith([node("nolabel")]), pod("w", { labels: { app: "web" }, spread })),
    /1 node\(s\) didn't match pod topology spread constraints \(missing required label\)\./,
  );
});

Deno.test("PodTopologySpread: ScheduleAnyway prefers the least crowded domain", () => {
  const cache = cacheWith([node("a", { labels: zone("z1") }), node("b", { labels: zone("z2") })], [
    [pod("x1", { labels: { app: "web" } }), "a"],
    [pod("x2", { labels: { app: "web" } }), "a"],
  ]);
  const spread = [{
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: { app: "web" } },
  }];
  assert.equal(place(cache, pod("w", { labels: { app: "web" }, spread })), "b");
});

Deno.test("NodeResourcesFit counts init containers at their peak and the pod overhead", () => {
  const cache = cacheWith([node("a", { cpu: "1" })]);
  const p = pod("init", { cpu: "100m" });
  p.spec!.initContainers = [{ name: "i", resources: { requests: { cpu: "2" } } }];
  assert.match(failure(cache, p), /1 Insufficient cpu/);
  const q = pod("overhead", { cpu: "900m" });
  q.spec!.overhead = { cpu: "200m" };
  assert.match(failure(cache, q), /1 Insufficient cpu/);
});
