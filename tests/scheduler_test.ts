/**
 * The default scheduler in a real `k3s server`, with simulated kubelets (`tests/sim`) as nodes
 * and the real kubectl: pods land on nodes and run; nodeSelector, node affinity and taints are
 * respected; a pod that fits nowhere stays Pending with upstream's `FailedScheduling` message
 * (shown by `kubectl describe`) and a `PodScheduled=False` condition, and is scheduled once a
 * node it fits joins; a higher-priority pod preempts a lower-priority one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { KubeClient, type Pod } from "../kube/client/mod.ts";
import { type K3sServer, kubectlSteps, startServer } from "./harness.ts";
import { createNamespace, SimKubelet } from "./sim/mod.ts";

const DEADLINE_MS = 30_000;

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = DEADLINE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${last ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function podYaml(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...extra },
    spec: {
      terminationGracePeriodSeconds: 0,
      ...spec,
      containers: [{
        name: "app",
        image: "registry.local/app:1",
        ...(spec.containers as unknown[] | undefined)?.[0] as object,
      }],
    },
  });
}

/** A v1 List of objects given as JSON texts, for one `kubectl apply`. */
function list(items: string[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: items.map((i) => JSON.parse(i)) });
}

function requests(cpu: string, memory = "64Mi") {
  return { containers: [{ resources: { requests: { cpu, memory } } }] };
}

async function getPod(server: K3sServer, ns: string, name: string): Promise<Pod> {
  return JSON.parse(await server.kubectlOk(["get", "pod", name, "-n", ns, "-o", "json"]));
}

/** Waits until the pod is bound and Running; returns its node. */
async function runningOn(server: K3sServer, ns: string, name: string): Promise<string> {
  return await eventually(`${ns}/${name} Running`, async () => {
    const p = await getPod(server, ns, name);
    return p.status?.phase === "Running" && p.spec?.nodeName ? p.spec.nodeName : undefined;
  });
}

Deno.test("default scheduler with simulated nodes", async (t) => {
  const server = await startServer();
  const client = await KubeClient.fromKubeconfig(server.kubeconfig);
  const kubelets: SimKubelet[] = [];
  const kubectl = (ns: string, args: string[], stdin?: string) =>
    server.kubectlOk(["-n", ns, ...args], { stdin });
  try {
    const nodes = new SimKubelet({
      client,
      nodes: 3,
      capacity: { cpu: "2", memory: "8Gi", pods: "20" },
      labels: (i): Record<string, string> => (i === 0 ? { disk: "ssd" } : {}),
      taints: (i) => (i === 1 ? [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] : []),
    });
    kubelets.push(nodes);
    await nodes.start();
    const ns = "sched";
    await createNamespace(client, ns);

    await t.step("a pod lands on a node and runs", async () => {
      await kubectl(ns, ["apply", "-f", "-"], podYaml("first", requests("100m")));
      const node = await runningOn(server, ns, "first");
      assert.ok(["sim-node-0", "sim-node-2"].includes(node), `landed on ${node}`);
      const pod = await getPod(server, ns, "first");
      assert.match(pod.status?.podIP ?? "", /^10\.42\.\d+\.\d+$/);
      const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
      assert.equal(scheduled?.status, "True");
      const described = await eventually("the Scheduled event", async () => {
        const out = await kubectl(ns, ["describe", "pod", "first"]);
        return out.includes("Scheduled") ? out : undefined;
      });
      assert.match(
        described,
        new RegExp(
          `Normal\\s+Scheduled\\s+.*default-scheduler\\s+Successfully assigned ${ns}/first to ${node}`,
        ),
      );
    });

    await t.step("nodeSelector, node affinity and tolerations decide the node", async () => {
      const pods = [
        podYaml("ssd", { nodeSelector: { disk: "ssd" } }),
        podYaml("affine", {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{
                  matchExpressions: [{
                    key: "kubernetes.io/hostname",
                    operator: "In",
                    values: ["sim-node-2"],
                  }],
                }],
              },
            },
          },
        }),
        podYaml("tolerant", {
          nodeSelector: { "kubernetes.io/hostname": "sim-node-1" },
          tolerations: [{
            key: "dedicated",
            operator: "Equal",
            value: "gpu",
            effect: "NoSchedule",
          }],
        }),
        ...Array.from({ length: 6 }, (_, i) => podYaml(`free-${i}`, requests("10m"))),
      ];
      await kubectl(ns, ["apply", "-f", "-"], list(pods));
      assert.equal(await runningOn(server, ns, "ssd"), "sim-node-0");
      assert.equal(await runningOn(server, ns, "affine"), "sim-node-2");
      assert.equal(await runningOn(server, ns, "tolerant"), "sim-node-1");
      for (let i = 0; i < 6; i++) {
        assert.notEqual(await runningOn(server, ns, `free-${i}`), "sim-node-1", "taint ignored");
      }
    });

    await t.step("an untolerated taint keeps a pod Pending with the reasons per node", async () => {
      await kubectl(
        ns,
        ["apply", "-f", "-"],
        podYaml("intolerant", { nodeSelector: { "kubernetes.io/hostname": "sim-node-1" } }),
      );
      const message = await eventually("FailedScheduling of intolerant", async () => {
        const p = await getPod(server, ns, "intolerant");
        const c = p.status?.conditions?.find((c) => c.type === "PodScheduled");
        return c?.status === "False" ? c : undefined;
      });
      assert.equal(message.reason, "Unschedulable");
      assert.equal(
        message.message,
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, " +
          "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are " +
          "available: 3 Preemption is not helpful for scheduling.",
      );
      const pod = await getPod(server, ns, "intolerant");
      assert.equal(pod.spec?.nodeName, undefined);
    });

    const expected = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, " +
      "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful " +
      "for scheduling, 2 No preemption victims found for incoming pod.";

    await t.step("a pod too big for every node stays Pending", async (t) => {
      await kubectl(ns, ["apply", "-f", "-"], podYaml("huge", requests("3")));
      await eventually("the huge pod's FailedScheduling event", async () => {
        const out = await kubectl(ns, [
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=huge",
          "-o",
          "json",
        ]);
        const items = JSON.parse(out).items as { reason: string; message: string; type: string }[];
        return items.find((e) => e.reason === "FailedScheduling");
      });
      await kubectlSteps(t, server, "sched-describe", async (k) => {
        const out = await server.kubectlOk(["describe", "pod", "huge", "-n", ns], {
          binary: k.binary,
        });
        assert.match(out, /Status:\s+Pending/);
        assert.match(out, /Node:\s+<none>/);
        const line = out.split("\n").find((l) => l.includes("FailedScheduling"));
        assert.ok(line, `no FailedScheduling event in:\n${out}`);
        assert.match(line, /Warning\s+FailedScheduling\s+.*default-scheduler\s+/);
        assert.ok(line.includes(expected), `kubectl ${k.version}: ${line}`);
      });
      const pod = await getPod(server, ns, "huge");
      const c = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
      assert.deepEqual([c?.status, c?.reason, c?.message], ["False", "Unschedulable", expected]);
    });

    await t.step("a pending pod is scheduled once a node it fits joins", async () => {
      const big = new SimKubelet({
        client,
        nodes: ["sim-big"],
        capacity: { cpu: "8", memory: "32Gi", pods: "20" },
      });
      kubelets.push(big);
      await big.start();
      assert.equal(await runningOn(server, ns, "huge"), "sim-big");
    });

    await t.step("a higher-priority pod preempts a lower-priority one", async () => {
      const pre = new SimKubelet({
        client,
        nodes: ["sim-pre-0"],
        capacity: { cpu: "2", memory: "8Gi", pods: "20" },
        labels: () => ({ pool: "preempt" }),
        honorGracePeriod: true,
      });
      kubelets.push(pre);
      await pre.start();
      const where = { nodeSelector: { pool: "preempt" } };
      await kubectl(
        ns,
        ["apply", "-f", "-"],
        podYaml("low", { ...where, ...requests("1500m"), terminationGracePeriodSeconds: 2 }),
      );
      assert.equal(await runningOn(server, ns, "low"), "sim-pre-0");
      const lowUid = (await getPod(server, ns, "low")).metadata.uid;
      // A PriorityClass when the API serves them; else a built-in class the admission knows.
      const created = await server.request("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", {
        body: JSON.stringify({
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: { name: "sched-test-high" },
          value: 1000,
        }),
      });
      const priorityClassName = created.status === 201
        ? "sched-test-high"
        : "system-cluster-critical";
      await kubectl(
        ns,
        ["apply", "-f", "-"],
        podYaml("high", { ...where, ...requests("1500m"), priorityClassName }),
      );
      // While the victim terminates (2 s grace), the preemptor waits, nominated to its node.
      const nominated = await eventually("the high pod's nomination", async () => {
        const p = await getPod(server, ns, "high");
        return p.status?.nominatedNodeName;
      });
      assert.equal(nominated, "sim-pre-0");
      assert.equal(await runningOn(server, ns, "high"), "sim-pre-0");
      const highPod = await getPod(server, ns, "high");
      assert.ok((highPod.spec?.priority ?? 0) > 0, "the high pod has a priority");
      const low = await server.kubectl(["get", "pod", "low", "-n", ns, "-o", "json"]);
      if (low.code === 0) assert.notEqual(JSON.parse(low.stdout).metadata.uid, lowUid);
      else assert.match(low.stderr, /NotFound|not found/);
      const events = JSON.parse(
        await kubectl(ns, [
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=low",
          "-o",
          "json",
        ]),
      ).items as { reason: string; message: string }[];
      const preempted = events.find((e) => e.reason === "Preempted");
      assert.ok(preempted, `no Preempted event: ${JSON.stringify(events)}`);
      assert.equal(preempted.message, `Preempted by pod ${highPod.metadata.uid} on node sim-pre-0`);
      const highEvents = JSON.parse(
        await kubectl(ns, [
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=high",
          "-o",
          "json",
        ]),
      ).items as { reason: string; message: string }[];
      const failed = highEvents.find((e) => e.reason === "FailedScheduling");
      assert.equal(
        failed?.message,
        "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint " +
          "{dedicated: gpu}, 3 node(s) didn't match Pod's node affinity/selector.",
      );
    });

    await t.step(
      "claims: a missing one blocks the pod; a WaitForFirstConsumer one follows it",
      async () => {
        const withClaim = (name: string, claim: string) =>
          podYaml(name, {
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }],
          });
        await kubectl(ns, ["apply", "-f", "-"], withClaim("no-claim", "nope"));
        const condition = await eventually("FailedScheduling of no-claim", async () => {
          const p = await getPod(server, ns, "no-claim");
          const c = p.status?.conditions?.find((c) => c.type === "PodScheduled");
          return c?.status === "False" ? c : undefined;
        });
        assert.match(
          condition.message ?? "",
          /^0\/\d+ nodes are available: persistentvolumeclaim "nope" not found\. preemption: /,
        );
        await kubectl(
          ns,
          ["apply", "-f", "-"],
          list([
            JSON.stringify({
              apiVersion: "storage.k8s.io/v1",
              kind: "StorageClass",
              metadata: { name: "sched-wffc" },
              provisioner: "example.com/sim",
              volumeBindingMode: "WaitForFirstConsumer",
            }),
            JSON.stringify({
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              metadata: { name: "data" },
              spec: {
                storageClassName: "sched-wffc",
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: "1Gi" } },
              },
            }),
            withClaim("stateful", "data"),
          ]),
        );
        // Playing the provisioner: it waits for the scheduler's choice, then makes the volume there.
        const selected = await eventually("the claim's selected node", async () => {
          const c = JSON.parse(await kubectl(ns, ["get", "pvc", "data", "-o", "json"]));
          return c.metadata.annotations?.["volume.kubernetes.io/selected-node"] as
            | string
            | undefined;
        });
        assert.equal(
          (await getPod(server, ns, "stateful")).spec?.nodeName,
          undefined,
          "not before",
        );
        await server.kubectlOk(["apply", "-f", "-"], {
          stdin: JSON.stringify({
            apiVersion: "v1",
            kind: "PersistentVolume",
            metadata: { name: "pv-sched-data" },
            spec: {
              capacity: { storage: "1Gi" },
              accessModes: ["ReadWriteOnce"],
              storageClassName: "sched-wffc",
              hostPath: { path: "/tmp/pv-sched-data" },
              claimRef: { namespace: ns, name: "data" },
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [{
                    matchExpressions: [{
                      key: "kubernetes.io/hostname",
                      operator: "In",
                      values: [selected],
                    }],
                  }],
                },
              },
            },
          }),
        });
        await kubectl(ns, [
          "patch",
          "pvc",
          "data",
          "--type=merge",
          "-p",
          '{"spec":{"volumeName":"pv-sched-data"}}',
        ]);
        assert.equal(await runningOn(server, ns, "stateful"), selected);
      },
    );

    await t.step("the scheduler holds the kube-scheduler Lease with its own identity", async () => {
      const lease = JSON.parse(
        await server.kubectlOk([
          "get",
          "lease",
          "kube-scheduler",
          "-n",
          "kube-system",
          "-o",
          "json",
        ]),
      );
      assert.ok(lease.spec.holderIdentity, "a holder");
      assert.equal(lease.spec.leaseDurationSeconds, 15);
      const nodeLeases = await server.kubectlOk([
        "get",
        "leases",
        "-n",
        "kube-node-lease",
        "-o",
        "name",
      ]);
      assert.match(nodeLeases, /lease.coordination.k8s.io\/sim-node-0/);
    });
  } finally {
    for (const k of kubelets) await k.stop().catch(() => {});
    client.close();
    await server.close();
  }
});
