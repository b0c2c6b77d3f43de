import assert from "node:assert/strict";
import type { KubeClient } from "../../kube/client/client.ts";
import { FakeClock } from "../../kube/client/clock.ts";
import { silentLogger } from "../../kube/client/log.ts";
import type { Resource } from "../../kube/client/resources.ts";
import type { Lease, Node } from "../../kube/client/types.ts";
import { StatusError } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/meta.ts";
import { applyMergePatch } from "../../kube/patch/merge_patch.ts";
import type { MachineInfo } from "./machine.ts";
import { NodeAgent } from "./node.ts";
import type { RuntimeHealth } from "./node_status.ts";

/** An in-memory API of nodes and leases, counting writes. */
function fakeApi() {
  const objects = new Map<string, KubeObject>();
  const writes: string[] = [];
  const key = (res: Resource, name: string, ns?: string) => `${res.resource}/${ns ?? ""}/${name}`;
  const notFound = () => new StatusError(404, "NotFound", "not found");
  let rv = 0;
  const client = {
    get(res: Resource, name: string, o: { namespace?: string } = {}) {
      const obj = objects.get(key(res, name, o.namespace));
      return obj ? Promise.resolve(structuredClone(obj)) : Promise.reject(notFound());
    },
    create(res: Resource, obj: KubeObject) {
      const k = key(res, obj.metadata.name!, obj.metadata.namespace);
      if (objects.has(k)) return Promise.reject(new StatusError(409, "AlreadyExists", "exists"));
      writes.push(`create ${res.resource}`);
      const stored = {
        ...structuredClone(obj),
        status: undefined,
        metadata: { ...obj.metadata, uid: "u1", resourceVersion: String(++rv) },
      };
      objects.set(k, stored);
      return Promise.resolve(structuredClone(stored));
    },
    update(res: Resource, obj: KubeObject) {
      writes.push(`update ${res.resource}`);
      objects.set(key(res, obj.metadata.name!, obj.metadata.namespace), structuredClone(obj));
      return Promise.resolve(obj);
    },
    patch(
      res: Resource,
      name: string,
      patch: unknown,
      _type: string,
      o: { subresource?: string } = {},
    ) {
      const k = key(res, name);
      const obj = objects.get(k);
      if (!obj) return Promise.reject(notFound());
      writes.push(`patch ${res.resource}${o.subresource ? `/${o.subresource}` : ""}`);
      const next = applyMergePatch(obj, patch) as KubeObject;
      objects.set(k, next);
      return Promise.resolve(structuredClone(next));
    },
  };
  return { client: client as unknown as KubeClient, objects, writes };
}

const machine: MachineInfo = {
  cpus: 2,
  memoryTotal: 2 * 1024 ** 3,
  memoryAvailable: 1024 ** 3,
  diskTotal: 10 * 1024 ** 3,
  diskAvailable: 5 * 1024 ** 3,
  osImage: "Linux",
  kernelVersion: "6",
  architecture: "amd64",
  machineID: "",
  systemUUID: "",
  bootID: "",
  pidMax: 1000,
  pids: 1,
};

function agent(
  api: ReturnType<typeof fakeApi>,
  clock: FakeClock,
  health: { value: RuntimeHealth },
) {
  return new NodeAgent({
    client: api.client,
    settings: {
      name: "n1",
      hostname: "n1",
      internalIps: ["10.0.0.1"],
      externalIps: [],
      labels: [],
      taints: ["a=b:NoSchedule"],
      controlPlane: false,
      kubeletPort: 10250,
      maxPods: 110,
      kubeletVersion: "v1.33.5+k3s1",
      containerRuntimeVersion: "containerd://1.6",
    },
    machine: () => Promise.resolve(machine),
    health: () => Promise.resolve(health.value),
    clock,
    log: silentLogger,
  });
}

const ready = (n: KubeObject) =>
  ((n as Node).status?.conditions ?? []).find((c) => c.type === "Ready");

Deno.test("NodeAgent registers the Node with its status, and writes the status only when it changes", async () => {
  const api = fakeApi();
  const clock = new FakeClock();
  const health = { value: {} as RuntimeHealth };
  const node = agent(api, clock, health);
  await node.register();
  assert.deepEqual(api.writes, ["create nodes", "patch nodes/status"]);
  assert.equal(ready(api.objects.get("nodes//n1")!)?.status, "True");
  await clock.advance(10_000);
  await node.updateStatus();
  assert.deepEqual(api.writes.length, 2, "nothing changed: no write");
  health.value = { notReady: "container runtime is down" };
  await node.updateStatus();
  assert.equal(ready(api.objects.get("nodes//n1")!)?.message, "container runtime is down");
  // Another writer marks the node Unknown: the next round puts it right.
  health.value = {};
  await node.updateStatus();
  const stored = api.objects.get("nodes//n1") as Node;
  stored.status!.conditions = stored.status!.conditions!.map((c) =>
    c.type === "Ready" ? { ...c, status: "Unknown" } : c
  );
  await node.updateStatus();
  assert.equal(ready(api.objects.get("nodes//n1")!)?.status, "True");
  await clock.advance(300_000);
  const before = api.writes.length;
  await node.updateStatus();
  assert.equal(api.writes.length, before + 1, "a status is reported every 5 minutes anyway");
});

Deno.test("NodeAgent keeps an existing Node's taints and adds its own when registering again", async () => {
  const api = fakeApi();
  api.objects.set("nodes//n1", {
    metadata: { name: "n1", uid: "old" },
    spec: { taints: [{ key: "x", effect: "NoExecute" }] },
  });
  await agent(api, new FakeClock(), { value: {} }).register();
  const node = api.objects.get("nodes//n1") as Node;
  assert.deepEqual(node.spec?.taints, [{ key: "x", effect: "NoExecute" }, {
    key: "a",
    value: "b",
    effect: "NoSchedule",
  }]);
  assert.equal(node.metadata.labels?.["kubernetes.io/hostname"], "n1");
});

Deno.test("NodeAgent creates its Lease owned by the Node, then renews it", async () => {
  const api = fakeApi();
  const clock = new FakeClock();
  const node = agent(api, clock, { value: {} });
  await node.register();
  await node.renewLease();
  const lease = api.objects.get("leases/kube-node-lease/n1") as Lease;
  assert.equal(lease.spec?.holderIdentity, "n1");
  assert.equal(lease.spec?.leaseDurationSeconds, 40);
  assert.equal(lease.metadata.ownerReferences?.[0].kind, "Node");
  const first = lease.spec?.renewTime;
  await clock.advance(10_000);
  await node.renewLease();
  assert.notEqual((api.objects.get("leases/kube-node-lease/n1") as Lease).spec?.renewTime, first);
});
