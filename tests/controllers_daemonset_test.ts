/**
 * DaemonSets with the oldest and newest kubectl: one pod per untainted node (placed by the
 * scheduler through the node affinity the controller sets), tolerations and node selectors
 * honoured, a new node gets its pod and a NoExecute taint takes it away, and a rolling update
 * keeps at most maxUnavailable nodes without an available pod; `rollout status|history|undo`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { InformerFactory, type KubeClient, type Pod, PODS } from "../kube/client/mod.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { SimKubelet } from "./sim/mod.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

function daemonSet(name: string, spec: Record<string, unknown> = {}, image = "busybox:1") {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image }], ...spec },
      },
    },
  });
}

const READY = (p: Pod) =>
  p.status?.phase === "Running" &&
  !!p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

async function podsOf(k: ScopedKubectl, app: string): Promise<Pod[]> {
  const items: Pod[] = JSON.parse(await k.ok(["get", "pods", "-l", `app=${app}`, "-o", "json"]))
    .items;
  return items.filter((p) => !p.metadata.deletionTimestamp);
}

/** Node → pod node names of the live pods, sorted. */
async function nodesOf(k: ScopedKubectl, app: string): Promise<string[]> {
  return (await podsOf(k, app)).map((p) => p.spec?.nodeName ?? "").sort();
}

/** Tracks, on every pod change, how many nodes lack a ready pod of the app. */
function watchUnavailable(client: KubeClient, namespace: string, app: string, nodes: string[]) {
  const ac = new AbortController();
  const informers = new InformerFactory(client);
  const pods = informers.informer(PODS, { namespace, labelSelector: `app=${app}` });
  let worst = 0;
  const check = () => {
    if (!pods.hasSynced()) return;
    const covered = new Set(
      pods.store.list().filter((p) => !p.metadata.deletionTimestamp && READY(p))
        .map((p) => p.spec?.nodeName),
    );
    worst = Math.max(worst, nodes.filter((n) => !covered.has(n)).length);
  };
  pods.addEventHandler({ add: check, update: check, delete: check });
  informers.start(ac.signal);
  return {
    synced: () => informers.waitForSync(ac.signal),
    stop: () => ac.abort(),
    worst: () => worst,
  };
}

Deno.test("DaemonSets run one pod per eligible node with kubectl", async (t) => {
  const cluster = await startCluster(3, {
    taints: (i) => (i === 2 ? [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] : []),
    labels: (i): Record<string, string> => (i === 0 ? { disk: "ssd" } : {}),
  });
  const { server, client } = cluster;
  const extra: SimKubelet[] = [];
  try {
    await kubectlSteps(t, server, "ds", async (k, t) => {
      await t.step("one pod per untainted node", async () => {
        await k.ok(["apply", "-f", "-"], { stdin: daemonSet("agent") });
        const out = await k.ok(["rollout", "status", "daemonset/agent", "--timeout=120s"]);
        assert.match(out, /daemon set "agent" successfully rolled out/);
        assert.deepEqual(await nodesOf(k, "agent"), ["sim-node-0", "sim-node-1"]);
        const ds = JSON.parse(await k.ok(["get", "daemonset", "agent", "-o", "json"]));
        assert.deepEqual(
          [
            ds.status.desiredNumberScheduled,
            ds.status.currentNumberScheduled,
            ds.status.numberReady,
            ds.status.updatedNumberScheduled,
            ds.status.numberMisscheduled,
          ],
          [2, 2, 2, 2, 0],
        );
        const pod = (await podsOf(k, "agent"))[0];
        const terms = pod.spec?.affinity?.nodeAffinity
          ?.requiredDuringSchedulingIgnoredDuringExecution
          ?.nodeSelectorTerms;
        assert.deepEqual(terms, [{
          matchFields: [{ key: "metadata.name", operator: "In", values: [pod.spec?.nodeName] }],
        }]);
        const tolerated = (pod.spec?.tolerations ?? []).map((x) => `${x.key}:${x.effect}`);
        for (
          const want of [
            "node.kubernetes.io/not-ready:NoExecute",
            "node.kubernetes.io/unreachable:NoExecute",
            "node.kubernetes.io/unschedulable:NoSchedule",
            "node.kubernetes.io/disk-pressure:NoSchedule",
          ]
        ) assert.ok(tolerated.includes(want), `${want} in ${tolerated}`);
        assert.ok(pod.metadata.labels?.["controller-revision-hash"]);
      });

      await t.step("a toleration admits the tainted node; a selector narrows", async () => {
        await k.ok(["apply", "-f", "-"], {
          stdin: daemonSet("tolerant", {
            tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }],
          }),
        });
        await k.ok(["apply", "-f", "-"], {
          stdin: daemonSet("picky", { nodeSelector: { disk: "ssd" } }),
        });
        await k.ok(["rollout", "status", "daemonset/tolerant", "--timeout=120s"]);
        await k.ok(["rollout", "status", "daemonset/picky", "--timeout=120s"]);
        assert.deepEqual(await nodesOf(k, "tolerant"), ["sim-node-0", "sim-node-1", "sim-node-2"]);
        assert.deepEqual(await nodesOf(k, "picky"), ["sim-node-0"]);
        await k.ok(["delete", "daemonset", "tolerant", "picky"]);
      });

      await t.step("a rolling update keeps at most one node without a ready pod", async () => {
        const watch = watchUnavailable(client, k.namespace, "agent", ["sim-node-0", "sim-node-1"]);
        try {
          await watch.synced();
          await k.ok(["set", "image", "daemonset/agent", "c=busybox:2"]);
          await k.ok(["rollout", "status", "daemonset/agent", "--timeout=120s"]);
          await eventually("both pods updated", async () => {
            const pods = await podsOf(k, "agent");
            return pods.length === 2 &&
              pods.every((p) => p.spec?.containers[0].image === "busybox:2" && READY(p));
          });
        } finally {
          watch.stop();
        }
        // One node at a time (maxUnavailable 1) went without its pod.
        assert.equal(watch.worst(), 1);
        const history = await k.ok(["rollout", "history", "daemonset/agent"]);
        assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
        await k.ok(["rollout", "undo", "daemonset/agent"]);
        await k.ok(["rollout", "status", "daemonset/agent", "--timeout=120s"]);
        await eventually("pods back on busybox:1", async () => {
          const pods = await podsOf(k, "agent");
          return pods.length === 2 &&
            pods.every((p) => p.spec?.containers[0].image === "busybox:1" && READY(p));
        });
      });
    });

    await t.step("a new node gets a pod; a NoExecute taint removes it", async () => {
      const ns = "ds-nodes";
      await server.kubectlOk(["create", "namespace", ns]);
      await server.kubectlOk(["-n", ns, "apply", "-f", "-"], { stdin: daemonSet("agent") });
      const onNodes = async () => {
        const out = await server.kubectlOk(["-n", ns, "get", "pods", "-o", "json"]);
        return (JSON.parse(out).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp)
          .map((p) => p.spec?.nodeName ?? "").sort().join(",");
      };
      await eventually(
        "pods on both untainted nodes",
        async () => (await onNodes()) === "sim-node-0,sim-node-1",
      );
      const late = new SimKubelet({ client, nodes: ["late-node"] });
      extra.push(late);
      await late.start();
      await eventually(
        "a pod on the new node",
        async () => (await onNodes()) === "late-node,sim-node-0,sim-node-1",
      );
      await server.kubectlOk(["taint", "node", "sim-node-1", "evict=now:NoExecute"]);
      await eventually(
        "the pod off the tainted node",
        async () => (await onNodes()) === "late-node,sim-node-0",
      );
    });
  } finally {
    for (const k of extra) await k.stop();
    await cluster.close();
  }
});
