/**
 * Deployments end to end with the oldest and newest kubectl: apply → pods Running and
 * `rollout status` done; a new image rolls out within maxSurge / maxUnavailable (counted from
 * the watch while it happens); `rollout history`, `undo`, `restart`, `pause` / `resume`; scaling.
 * The simulated kubelet plays the nodes; the server's own scheduler binds the pods.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  InformerFactory,
  type KubeClient,
  type KubeObject,
  type Pod,
  PODS,
  REPLICA_SETS,
} from "../kube/client/mod.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

function deployment(image: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image }] },
      },
      ...extra,
    },
  });
}

/** The rows under `REVISION  CHANGE-CAUSE` of `kubectl rollout history`. */
function historyRows(out: string): string[][] {
  const lines = out.trim().split("\n");
  const header = lines.findIndex((l) => l.startsWith("REVISION"));
  return lines.slice(header + 1).map((l) => l.trim().split(/\s+/));
}

interface PodView {
  name: string;
  /** The ReplicaSet that owns the pod. */
  owner?: string;
  phase?: string;
  ready: boolean;
  terminating: boolean;
  image?: string;
}

function view(p: Pod): PodView {
  return {
    name: p.metadata.name!,
    owner: p.metadata.ownerReferences?.find((r) => r.controller)?.name,
    phase: p.status?.phase,
    ready: !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    terminating: !!p.metadata.deletionTimestamp,
    image: p.spec?.containers[0]?.image,
  };
}

async function podsOf(k: ScopedKubectl, selector = "app=web"): Promise<PodView[]> {
  const out = await k.ok(["get", "pods", "-l", selector, "-o", "json"]);
  return (JSON.parse(out).items as Pod[]).map(view);
}

/** Watches the namespace's pods and ReplicaSets, checking the rollout bounds on every change. */
function watchBounds(
  client: KubeClient,
  namespace: string,
  max: number,
  minReady: number,
  /** With Recreate: pods of this image never run beside pods of another. */
  alone?: string,
) {
  const ac = new AbortController();
  const informers = new InformerFactory(client);
  const pods = informers.informer(PODS, { namespace });
  const sets = informers.informer(REPLICA_SETS, { namespace });
  const violations: string[] = [];
  let maxSeen = 0, minReadySeen = Infinity, sawNewImage = false;
  const check = () => {
    if (!pods.hasSynced() || !sets.hasSynced()) return;
    const live = pods.store.list().map(view).filter((p) => !p.terminating);
    const ready = live.filter((p) => p.ready).length;
    const specOf = (rs: KubeObject) => (rs.spec as { replicas?: number })?.replicas ?? 0;
    const specTotal = sets.store.list().reduce((n, rs: KubeObject) => n + specOf(rs), 0);
    // As upstream's controller, the rollout bounds the ReplicaSets' replicas; a set scaled down
    // still has its surplus pods until its own controller deletes them, and another set's new
    // pod may come first. Those pods are on their way out and do not count against the surge.
    const leaving = sets.store.list().reduce((n, rs: KubeObject) => {
      const owned = live.filter((p) => p.owner === rs.metadata.name).length;
      return n + Math.max(0, owned - specOf(rs));
    }, 0);
    const counted = live.length - leaving;
    maxSeen = Math.max(maxSeen, counted, specTotal);
    minReadySeen = Math.min(minReadySeen, ready);
    if (live.some((p) => p.image === "busybox:2")) sawNewImage = true;
    if (counted > max) violations.push(`${counted} pods (and ${leaving} leaving) > ${max}`);
    if (specTotal > max) violations.push(`ReplicaSets ask for ${specTotal} > ${max}`);
    if (ready < minReady) violations.push(`${ready} ready pods < ${minReady}`);
    if (Deno.env.get("DEBUG_BOUNDS")) {
      console.log(
        live.map((p) => `${p.name.slice(-10)}:${p.image}:${p.ready ? "R" : "-"}`).join(" "),
        sets.store.list().map((rs) =>
          `${rs.metadata.name}=${(rs.spec as { replicas?: number })?.replicas}/${
            (rs.status as { availableReplicas?: number })?.availableReplicas
          }@${rs.metadata.resourceVersion}`
        ).join(" "),
      );
    }
    if (alone && live.some((p) => p.image === alone) && live.some((p) => p.image !== alone)) {
      violations.push(`${alone} pods run beside older ones`);
    }
  };
  for (const inf of [pods, sets]) {
    inf.addEventHandler({ add: check, update: check, delete: check });
  }
  informers.start(ac.signal);
  return {
    synced: () => informers.waitForSync(ac.signal),
    stop: () => ac.abort(),
    result: () => ({ violations, maxSeen, minReadySeen, sawNewImage }),
  };
}

Deno.test("Deployments roll out, roll back and restart with kubectl", async (t) => {
  const cluster = await startCluster(2);
  const { server, client } = cluster;
  try {
    await kubectlSteps(t, server, "deploy", async (k, t) => {
      const rollout = (...args: string[]) =>
        k.ok(["rollout", "status", "deployment/web", "--timeout=120s", ...args]);

      await t.step("apply: 3 pods Running and rollout status succeeds", async () => {
        await k.ok(["apply", "-f", "-"], { stdin: deployment("busybox:1") });
        const out = await rollout();
        assert.match(out, /deployment "web" successfully rolled out/);
        const pods = await podsOf(k);
        assert.equal(pods.length, 3, JSON.stringify(pods));
        assert.ok(pods.every((p) => p.phase === "Running" && p.ready), JSON.stringify(pods));
        const d = JSON.parse(await k.ok(["get", "deployment", "web", "-o", "json"]));
        assert.equal(d.metadata.annotations["deployment.kubernetes.io/revision"], "1");
        assert.deepEqual(
          d.status.conditions.map((c: { type: string; reason: string }) => [c.type, c.reason])
            .sort(),
          [["Available", "MinimumReplicasAvailable"], ["Progressing", "NewReplicaSetAvailable"]],
        );
        const rs = JSON.parse(await k.ok(["get", "rs", "-l", "app=web", "-o", "json"])).items;
        assert.equal(rs.length, 1);
        const hash = rs[0].metadata.labels["pod-template-hash"];
        assert.equal(rs[0].metadata.name, `web-${hash}`);
        assert.deepEqual(
          rs[0].metadata.ownerReferences.map((r: Record<string, unknown>) => [
            r.kind,
            r.name,
            r.controller,
            r.blockOwnerDeletion,
          ]),
          [["Deployment", "web", true, true]],
        );
      });

      await t.step("a new image rolls out within maxSurge 1 / maxUnavailable 0", async () => {
        const bounds = watchBounds(client, k.namespace, 4, 3);
        try {
          await bounds.synced();
          await k.ok(["set", "image", "deployment/web", "c=busybox:2"]);
          await k.ok([
            "annotate",
            "deployment/web",
            "kubernetes.io/change-cause=image busybox:2",
          ]);
          await rollout();
          await eventually("old pods to go", async () => {
            const pods = await podsOf(k);
            return pods.length === 3 && pods.every((p) => p.image === "busybox:2" && p.ready);
          });
        } finally {
          bounds.stop();
        }
        const r = bounds.result();
        assert.deepEqual(r.violations, []);
        assert.ok(r.sawNewImage);
        assert.equal(r.maxSeen, 4, "the rollout used its surge pod");
        assert.equal(r.minReadySeen, 3);
      });

      await t.step("rollout history lists both revisions", async () => {
        const out = await k.ok(["rollout", "history", "deployment/web"]);
        const rows = historyRows(out);
        assert.deepEqual(rows.map((r) => r[0]), ["1", "2"], out);
        assert.match(out, /2\s+image busybox:2/);
        const rev1 = await k.ok(["rollout", "history", "deployment/web", "--revision=1"]);
        assert.match(rev1, /busybox:1/);
      });

      await t.step("rollout undo goes back to the first template", async () => {
        const out = await k.ok(["rollout", "undo", "deployment/web"]);
        assert.match(out, /deployment.apps\/web rolled back/);
        await rollout();
        await eventually("pods of busybox:1", async () => {
          const pods = await podsOf(k);
          return pods.length === 3 && pods.every((p) => p.image === "busybox:1" && p.ready);
        });
        const history = await k.ok(["rollout", "history", "deployment/web"]);
        const revs = historyRows(history).map((r) => r[0]);
        assert.deepEqual(revs, ["2", "3"], history);
        const rs = JSON.parse(await k.ok(["get", "rs", "-l", "app=web", "-o", "json"])).items;
        assert.equal(rs.length, 2, "undo reuses the first ReplicaSet");
        const back = rs.find((x: KubeObject) =>
          x.metadata.annotations?.["deployment.kubernetes.io/revision"] === "3"
        );
        assert.equal(back.metadata.annotations["deployment.kubernetes.io/revision-history"], "1");
      });

      await t.step("rollout restart replaces every pod", async () => {
        const before = (await podsOf(k)).map((p) => p.name);
        await k.ok(["rollout", "restart", "deployment/web"]);
        await rollout();
        await eventually("pods replaced", async () => {
          const pods = await podsOf(k);
          return pods.length === 3 && pods.every((p) => !before.includes(p.name) && p.ready);
        });
      });

      await t.step("pause holds a template change until resume", async () => {
        await k.ok(["rollout", "pause", "deployment/web"]);
        await k.ok(["set", "image", "deployment/web", "c=busybox:3"]);
        const paused = await eventually("the Paused condition", async () => {
          const d = JSON.parse(await k.ok(["get", "deployment", "web", "-o", "json"]));
          const c = d.status.conditions.find((c: { type: string }) => c.type === "Progressing");
          return c?.reason === "DeploymentPaused" && d;
        });
        assert.equal(paused.status.observedGeneration, paused.metadata.generation);
        assert.ok((await podsOf(k)).every((p) => p.image !== "busybox:3"));
        const undo = await k.run(["rollout", "undo", "deployment/web"]);
        assert.notEqual(undo.code, 0);
        assert.match(undo.stderr, /you cannot rollback a paused deployment/);
        await k.ok(["rollout", "resume", "deployment/web"]);
        await rollout();
        await eventually("pods of busybox:3", async () => {
          const pods = await podsOf(k);
          return pods.length === 3 && pods.every((p) => p.image === "busybox:3" && p.ready);
        });
      });

      await t.step("scale to 5 and down to 1", async () => {
        await k.ok(["scale", "deployment/web", "--replicas=5"]);
        await rollout();
        await eventually(
          "5 pods",
          async () => (await podsOf(k)).filter((p) => p.ready).length === 5,
        );
        await k.ok(["scale", "deployment/web", "--replicas=1"]);
        await rollout();
        await eventually("1 pod", async () => (await podsOf(k)).length === 1);
      });

      await t.step("Recreate stops every old pod before starting new ones", async () => {
        const bounds = watchBounds(client, k.namespace, 2, 0, "busybox:4");
        await bounds.synced();
        try {
          await k.ok([
            "patch",
            "deployment/web",
            "--type=merge",
            "-p",
            JSON.stringify({
              spec: {
                replicas: 2,
                strategy: { type: "Recreate", rollingUpdate: null },
                template: { spec: { containers: [{ name: "c", image: "busybox:4" }] } },
              },
            }),
          ]);
          await rollout();
          await eventually("pods of busybox:4", async () => {
            const pods = await podsOf(k);
            return pods.length === 2 && pods.every((p) => p.image === "busybox:4" && p.ready);
          });
        } finally {
          bounds.stop();
        }
        assert.deepEqual(bounds.result().violations, []);
      });
    });
  } finally {
    await cluster.close();
  }
});
