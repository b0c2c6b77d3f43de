/**
 * A server restart in the middle of a rollout: the controllers come back (leader election,
 * fresh informers, no remembered expectations), the rollout finishes, and no pod is created
 * twice or lost — exactly one new pod per replica, never more than replicas + maxSurge at once.
 * minReadySeconds slows the rollout down so the restart lands inside it.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  InformerFactory,
  type KubeObject,
  type Pod,
  PODS,
  REPLICA_SETS,
} from "../kube/client/mod.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

const REPLICAS = 4;

function deployment(image: string) {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: REPLICAS,
      minReadySeconds: 4,
      selector: { matchLabels: { app: "web" } },
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image }] },
      },
    },
  });
}

Deno.test("a rollout survives a server restart without duplicate or lost pods", async () => {
  const cluster = await startCluster(2);
  const { server, client } = cluster;
  const ac = new AbortController();
  try {
    const ns = "restart";
    await server.kubectlOk(["create", "namespace", ns]);
    const k = (args: string[], stdin?: string) => server.kubectlOk(["-n", ns, ...args], { stdin });
    await k(["apply", "-f", "-"], deployment("busybox:1"));
    await k(["rollout", "status", "deployment/web", "--timeout=120s"]);

    // Every pod of the new image ever seen, and the most replicas the sets asked for at once.
    // (Pods are not summed: across the restart the watcher's relist briefly holds both the
    // pods that went and those that came.)
    const informers = new InformerFactory(client);
    const pods = informers.informer(PODS, { namespace: ns });
    const sets = informers.informer(REPLICA_SETS, { namespace: ns });
    const newPods = new Set<string>();
    pods.addEventHandler({
      add: (p: Pod) => {
        if (p.spec?.containers[0].image === "busybox:2") newPods.add(p.metadata.name!);
      },
    });
    // Every (set, resourceVersion, replicas) seen, replayed in revision order below: summing the
    // store inside a handler would mix two revisions while the watcher relists after the restart.
    const seen = new Map<string, { set: string; rv: number; replicas: number }>();
    const record = (rs: KubeObject) => {
      const rv = Number(rs.metadata.resourceVersion);
      seen.set(`${rs.metadata.uid}@${rv}`, {
        set: rs.metadata.uid!,
        rv,
        replicas: (rs.spec as { replicas?: number }).replicas ?? 0,
      });
    };
    sets.addEventHandler({ add: record, update: (_old, rs) => record(rs) });
    informers.start(ac.signal);
    await informers.waitForSync(ac.signal);

    await k(["set", "image", "deployment/web", "c=busybox:2"]);
    await eventually("the rollout to be under way", () => newPods.size >= 1);
    await server.restart();
    assert.ok(newPods.size < REPLICAS, "the restart came before the rollout ended");

    await k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    await eventually("only new pods, all ready", async () => {
      const list: Pod[] = JSON.parse(await k(["get", "pods", "-o", "json"])).items;
      const live = list.filter((p) => !p.metadata.deletionTimestamp);
      return live.length === REPLICAS &&
        live.every((p) =>
          p.spec?.containers[0].image === "busybox:2" &&
          p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        );
    }, 60_000);
    assert.equal(newPods.size, REPLICAS, `new pods created: ${[...newPods].join(", ")}`);
    const current = new Map<string, number>();
    let maxAsked = 0;
    for (const e of [...seen.values()].sort((a, b) => a.rv - b.rv)) {
      current.set(e.set, e.replicas);
      maxAsked = Math.max(maxAsked, [...current.values()].reduce((n, r) => n + r, 0));
    }
    assert.equal(maxAsked, REPLICAS + 1, "the sets asked for replicas + maxSurge at most");
    const final = JSON.parse(await k(["get", "rs", "-o", "json"])).items
      .map((rs: { spec: { replicas: number }; status: { replicas?: number } }) => [
        rs.spec.replicas,
        rs.status.replicas ?? 0,
      ]).sort();
    assert.deepEqual(final, [[0, 0], [REPLICAS, REPLICAS]]);
  } finally {
    ac.abort();
    await cluster.close();
  }
});
