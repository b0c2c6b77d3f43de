/**
 * StatefulSets with the oldest and newest kubectl: pods created in order 0, 1, 2 (each after
 * its predecessor is Ready), stable names, hostnames and claims, scale down in reverse order,
 * a partitioned rolling update from the highest ordinal down, `rollout status|history|undo`,
 * and the Parallel policy. The claims of the `volumeClaimTemplates` name a class with no
 * StorageClass object, so the persistent volume binder binds them to PersistentVolumes the test
 * creates, as an administrator would, before the scheduler may place their pods.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  InformerFactory,
  type KubeClient,
  type PersistentVolumeClaim,
  type Pod,
  PODS,
} from "../kube/client/mod.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

function statefulSet(
  name: string,
  storageClassName: string,
  extra: Record<string, unknown> = {},
  image = "busybox:1",
) {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name: "c",
            image,
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          }],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName,
          resources: { requests: { storage: "1Gi" } },
        },
      }],
      ...extra,
    },
  });
}

const READY = (p: Pod) =>
  p.status?.phase === "Running" &&
  !!p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

/** Records pod creations (with whether each lower ordinal was Ready then) and deletions. */
function recordPods(client: KubeClient, namespace: string, app: string) {
  const ac = new AbortController();
  const informers = new InformerFactory(client);
  const pods = informers.informer(PODS, { namespace, labelSelector: `app=${app}` });
  const created: { name: string; predecessorsReady: boolean }[] = [];
  const deleting: string[] = [];
  const ord = (p: Pod) => Number(p.metadata.name!.slice(app.length + 1));
  pods.addEventHandler({
    add: (p, initial) => {
      if (initial) return;
      const lower = pods.store.list().filter((q) => ord(q) < ord(p));
      created.push({
        name: p.metadata.name!,
        predecessorsReady: lower.length === ord(p) && lower.every(READY),
      });
    },
    update: (old, p) => {
      if (!old.metadata.deletionTimestamp && p.metadata.deletionTimestamp) {
        deleting.push(p.metadata.name!);
      }
    },
    delete: (p) => {
      if (!deleting.includes(p.metadata.name!)) deleting.push(p.metadata.name!);
    },
  });
  informers.start(ac.signal);
  return {
    synced: () => informers.waitForSync(ac.signal),
    created,
    deleting,
    stop: () => ac.abort(),
  };
}

/**
 * `count` hostPath PersistentVolumes of 1Gi in class `storageClassName` (cluster-scoped, so
 * named after the class); returns their names.
 */
async function createVolumes(
  k: ScopedKubectl,
  storageClassName: string,
  count: number,
): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${storageClassName}-${i}`);
  const items = names.map((name) => ({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName,
      hostPath: { path: `/tmp/${name}` },
    },
  }));
  await k.ok(["apply", "-f", "-"], {
    stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
  });
  return names;
}

async function podsOf(k: ScopedKubectl, app: string): Promise<Pod[]> {
  return JSON.parse(await k.ok(["get", "pods", "-l", `app=${app}`, "-o", "json"])).items;
}

Deno.test("StatefulSets scale in order and roll out in reverse with kubectl", async (t) => {
  const cluster = await startCluster(2);
  const { server, client } = cluster;
  try {
    await kubectlSteps(t, server, "sts", async (k, t) => {
      // Cluster-scoped: named after the namespace, deleted at the end (a failed step returns).
      const storageClass = `${k.namespace}-local`;
      const volumes = await createVolumes(k, storageClass, 3);
      await t.step("pods are created in order, each after the previous is Ready", async () => {
        const rec = recordPods(client, k.namespace, "web");
        try {
          await rec.synced();
          await k.ok(["create", "service", "clusterip", "web", "--clusterip=None"]);
          await k.ok(["apply", "-f", "-"], { stdin: statefulSet("web", storageClass) });
          const out = await k.ok(["rollout", "status", "statefulset/web", "--timeout=120s"]);
          assert.match(out, /partitioned roll out complete: 3 new pods have been updated/);
        } finally {
          rec.stop();
        }
        assert.deepEqual(rec.created.map((c) => c.name), ["web-0", "web-1", "web-2"]);
        assert.ok(rec.created.every((c) => c.predecessorsReady), JSON.stringify(rec.created));
        const pods = await podsOf(k, "web");
        for (const p of pods) {
          const name = p.metadata.name!;
          assert.equal(p.spec?.hostname, name);
          assert.equal(p.spec?.subdomain, "web");
          assert.equal(p.metadata.labels?.["statefulset.kubernetes.io/pod-name"], name);
          assert.equal(p.metadata.labels?.["apps.kubernetes.io/pod-index"], name.slice(4));
          const vol =
            (p.spec?.volumes as { name: string; persistentVolumeClaim?: { claimName: string } }[])
              .find((v) => v.name === "data");
          assert.equal(vol?.persistentVolumeClaim?.claimName, `data-${name}`);
        }
        const claims: PersistentVolumeClaim[] =
          JSON.parse(await k.ok(["get", "pvc", "-o", "json"])).items;
        assert.deepEqual(claims.map((c) => [c.metadata.name, c.metadata.labels?.app]).sort(), [
          ["data-web-0", "web"],
          ["data-web-1", "web"],
          ["data-web-2", "web"],
        ]);
        // The binder gave each claim one of the test's volumes, no two the same one.
        assert.ok(claims.every((c) => c.status?.phase === "Bound"), JSON.stringify(claims));
        assert.deepEqual(claims.map((c) => c.spec?.volumeName).sort(), volumes);
        const sts = JSON.parse(await k.ok(["get", "statefulset", "web", "-o", "json"]));
        assert.equal(sts.status.readyReplicas, 3);
        assert.equal(sts.status.currentRevision, sts.status.updateRevision);
        assert.ok(
          pods.every((p) =>
            p.metadata.labels?.["controller-revision-hash"] === sts.status.updateRevision
          ),
        );
      });

      await t.step(
        "a partitioned rolling update replaces pods from the highest ordinal",
        async () => {
          const rec = recordPods(client, k.namespace, "web");
          try {
            await rec.synced();
            await k.ok([
              "patch",
              "statefulset/web",
              "--type=merge",
              "-p",
              JSON.stringify({
                spec: {
                  updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } },
                  template: {
                    spec: {
                      containers: [{
                        name: "c",
                        image: "busybox:2",
                        volumeMounts: [{ name: "data", mountPath: "/data" }],
                      }],
                    },
                  },
                },
              }),
            ]);
            const out = await k.ok(["rollout", "status", "statefulset/web", "--timeout=120s"]);
            assert.match(out, /partitioned roll out complete: 2 new pods have been updated/);
          } finally {
            rec.stop();
          }
          assert.deepEqual(rec.deleting, ["web-2", "web-1"]);
          const images = Object.fromEntries(
            (await podsOf(k, "web")).map((p) => [p.metadata.name, p.spec?.containers[0].image]),
          );
          assert.deepEqual(images, {
            "web-0": "busybox:1",
            "web-1": "busybox:2",
            "web-2": "busybox:2",
          });
          await k.ok([
            "patch",
            "statefulset/web",
            "--type=merge",
            "-p",
            '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}',
          ]);
          // kubectl reports any set with a rollingUpdate stanza as partitioned.
          const out = await k.ok(["rollout", "status", "statefulset/web", "--timeout=120s"]);
          assert.match(out, /partitioned roll out complete: 3 new pods have been updated/);
          await eventually(
            "web-0 updated",
            async () =>
              (await podsOf(k, "web")).every((p) =>
                p.spec?.containers[0].image === "busybox:2" && READY(p)
              ),
          );
        },
      );

      await t.step("rollout history and undo use ControllerRevisions", async () => {
        const history = await k.ok(["rollout", "history", "statefulset/web"]);
        assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
        const revs = JSON.parse(await k.ok(["get", "controllerrevisions", "-o", "json"])).items;
        assert.equal(revs.length, 2);
        const out = await k.ok(["rollout", "undo", "statefulset/web"]);
        assert.match(out, /statefulset.apps\/web rolled back/);
        await k.ok(["rollout", "status", "statefulset/web", "--timeout=120s"]);
        await eventually(
          "pods back on busybox:1",
          async () =>
            (await podsOf(k, "web")).every((p) =>
              p.spec?.containers[0].image === "busybox:1" && READY(p)
            ),
        );
        const after = await k.ok(["rollout", "history", "statefulset/web"]);
        assert.match(after, /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
      });

      await t.step("scaling down removes the highest ordinals first, one by one", async () => {
        const rec = recordPods(client, k.namespace, "web");
        try {
          await rec.synced();
          await k.ok(["scale", "statefulset/web", "--replicas=1"]);
          await eventually("one pod left", async () => (await podsOf(k, "web")).length === 1);
        } finally {
          rec.stop();
        }
        assert.deepEqual(rec.deleting, ["web-2", "web-1"]);
        assert.deepEqual((await podsOf(k, "web")).map((p) => p.metadata.name), ["web-0"]);
        // Claims stay (retention policy Retain).
        const claims = JSON.parse(await k.ok(["get", "pvc", "-o", "json"])).items;
        assert.equal(claims.length, 3);
        await k.ok(["scale", "statefulset/web", "--replicas=3"]);
        await k.ok(["rollout", "status", "statefulset/web", "--timeout=120s"]);
      });

      await t.step("OrderedReady waits on an unready pod; Parallel does not", async () => {
        const nowhere = { nodeSelector: { "example.com/none": "true" } };
        const spec = (name: string, policy: string) =>
          JSON.parse(statefulSet(name, storageClass, { podManagementPolicy: policy }));
        for (const [name, policy] of [["ordered", "OrderedReady"], ["parallel", "Parallel"]]) {
          const s = spec(name, policy);
          s.spec.template.spec = { ...s.spec.template.spec, ...nowhere };
          await k.ok(["apply", "-f", "-"], { stdin: JSON.stringify(s) });
        }
        await eventually("3 parallel pods", async () => (await podsOf(k, "parallel")).length === 3);
        await new Promise((r) => setTimeout(r, 1000));
        assert.deepEqual((await podsOf(k, "ordered")).map((p) => p.metadata.name), ["ordered-0"]);
      });

      await k.ok(["delete", "pv", ...volumes, "--wait=false"]);
    });
  } finally {
    await cluster.close();
  }
});
