import assert from "node:assert/strict";
import type { MachineInfo } from "./machine.ts";
import { osImageOf, parseMeminfo } from "./machine.ts";
import { buildNode, nodeConditions, parseTaint } from "./node_status.ts";

const machine: MachineInfo = {
  cpus: 4,
  memoryTotal: 8 * 1024 ** 3,
  memoryAvailable: 6 * 1024 ** 3,
  diskTotal: 100 * 1024 ** 3,
  diskAvailable: 50 * 1024 ** 3,
  osImage: "Debian GNU/Linux 12 (bookworm)",
  kernelVersion: "6.1.0",
  architecture: "arm64",
  machineID: "m",
  systemUUID: "s",
  bootID: "b",
  pidMax: 32768,
  pids: 100,
};

const settings = {
  name: "edge-1",
  hostname: "edge-1",
  internalIps: ["192.168.1.5"],
  externalIps: ["203.0.113.5"],
  labels: ["zone=lab", "empty"],
  taints: ["dedicated=edge:NoSchedule"],
  controlPlane: true,
  kubeletPort: 10250,
  maxPods: 110,
  kubeletVersion: "v1.33.5+k3s1",
  containerRuntimeVersion: "containerd://1.6.20",
};

Deno.test("buildNode() registers labels, taints, addresses, capacity and node info", () => {
  const node = buildNode(settings, machine, "2026-01-01T00:00:00Z", {});
  assert.equal(node.metadata.labels?.["kubernetes.io/arch"], "arm64");
  assert.equal(node.metadata.labels?.["kubernetes.io/os"], "linux");
  assert.equal(node.metadata.labels?.["kubernetes.io/hostname"], "edge-1");
  // NodeRestriction refuses role labels from a kubelet: the server sets them.
  assert.equal(node.metadata.labels?.["node-role.kubernetes.io/control-plane"], undefined);
  assert.equal(node.metadata.labels?.zone, "lab");
  assert.equal(node.metadata.labels?.empty, "");
  assert.deepEqual(node.spec?.taints, [{ key: "dedicated", value: "edge", effect: "NoSchedule" }]);
  assert.deepEqual(node.status?.addresses, [
    { type: "InternalIP", address: "192.168.1.5" },
    { type: "ExternalIP", address: "203.0.113.5" },
    { type: "Hostname", address: "edge-1" },
  ]);
  assert.deepEqual(node.status?.capacity, {
    cpu: "4",
    "ephemeral-storage": "104857600Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: "8388608Ki",
    pods: "110",
  });
  assert.equal(node.status?.nodeInfo?.kubeletVersion, "v1.33.5+k3s1");
  assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, "containerd://1.6.20");
  assert.equal(
    (node.status?.daemonEndpoints as { kubeletEndpoint: { Port: number } }).kubeletEndpoint.Port,
    10250,
  );
  assert.equal(node.metadata.annotations?.["k3s.io/internal-ip"], "192.168.1.5");
});

Deno.test("nodeConditions() says Ready or why not, and the pressures, with upstream's reasons", () => {
  const ok = nodeConditions(machine, {}, "t1");
  assert.deepEqual(ok.map((c) => `${c.type}=${c.status}:${c.reason}`), [
    "MemoryPressure=False:KubeletHasSufficientMemory",
    "DiskPressure=False:KubeletHasNoDiskPressure",
    "PIDPressure=False:KubeletHasSufficientPID",
    "Ready=True:KubeletReady",
  ]);
  const down = nodeConditions(
    { ...machine, diskAvailable: 1 },
    { notReady: "container runtime is down" },
    "t2",
    ok,
  );
  const ready = down.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.message, "container runtime is down");
  assert.equal(ready.lastTransitionTime, "t2");
  assert.equal(down.find((c) => c.type === "DiskPressure")?.status, "True");
  assert.equal(
    down.find((c) => c.type === "MemoryPressure")?.lastTransitionTime,
    "t1",
    "unchanged keeps its time",
  );
});

Deno.test("parseTaint() reads key=value:Effect and key:Effect", () => {
  assert.deepEqual(parseTaint("a=b:NoExecute"), { key: "a", value: "b", effect: "NoExecute" });
  assert.deepEqual(parseTaint("a:NoSchedule"), { key: "a", effect: "NoSchedule" });
  assert.throws(() => parseTaint("nope"), /key=value:Effect/);
});

Deno.test("machine readers parse /proc/meminfo and os-release", () => {
  assert.deepEqual(parseMeminfo("MemTotal:  2048 kB\nMemFree: 1 kB\nMemAvailable:  1024 kB\n"), {
    total: 2048 * 1024,
    available: 1024 * 1024,
  });
  assert.equal(
    osImageOf('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'),
    "Debian GNU/Linux 12 (bookworm)",
  );
});
