import assert from "node:assert/strict";
import { parseResolvConf, podDns, portMappings, sandboxConfig } from "./sandbox_config.ts";
import { testPod } from "./testing.ts";

const dns = {
  clusterDns: ["10.43.0.10"],
  clusterDomain: "cluster.local",
  host: parseResolvConf("# comment\nnameserver 1.1.1.1\nsearch example.com\noptions edns0\n"),
};

Deno.test("parseResolvConf() reads nameservers, searches and options", () => {
  assert.deepEqual(dns.host, {
    servers: ["1.1.1.1"],
    searches: ["example.com"],
    options: ["edns0"],
  });
});

Deno.test("podDns() follows the pod's dnsPolicy", () => {
  assert.deepEqual(podDns(testPod(), dns), {
    servers: ["10.43.0.10"],
    searches: ["ns.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.com"],
    options: ["ndots:5"],
  });
  assert.deepEqual(
    podDns(testPod({ hostNetwork: true }), dns).servers,
    ["1.1.1.1"],
    "host network: Default",
  );
  assert.deepEqual(
    podDns(testPod({ dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true }), dns).servers,
    [
      "10.43.0.10",
    ],
  );
  const custom = podDns(
    testPod({
      dnsPolicy: "None",
      dnsConfig: {
        nameservers: ["9.9.9.9"],
        searches: ["a.b"],
        options: [{ name: "ndots", value: "2" }],
      },
    }),
    dns,
  );
  assert.deepEqual(custom, { servers: ["9.9.9.9"], searches: ["a.b"], options: ["ndots:2"] });
});

Deno.test("sandboxConfig() names the pod, sets namespaces and host ports, and no hostname on the host network", () => {
  const pod = testPod({
    containers: [{
      name: "c",
      ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }],
    }],
  });
  const config = sandboxConfig(pod, 2, { podLogs: "/var/log/pods", dns });
  assert.deepEqual(config.metadata, { name: "p", namespace: "ns", uid: "uid-1", attempt: 2 });
  assert.equal(config.hostname, "p");
  assert.equal(config.logDirectory, "/var/log/pods/ns_p_uid-1");
  assert.deepEqual(config.portMappings, [{
    protocol: "TCP",
    containerPort: 80,
    hostPort: 8080,
    hostIp: undefined,
  }]);
  assert.equal(config.labels?.["io.kubernetes.pod.uid"], "uid-1");
  assert.equal(config.labels?.app, "a");
  assert.deepEqual(config.linux?.securityContext?.namespaceOptions, {
    network: "POD",
    pid: "CONTAINER",
    ipc: "POD",
  });
  const host = sandboxConfig(testPod({ hostNetwork: true }), 0, { podLogs: "/l", dns });
  assert.equal(host.hostname, undefined);
  assert.equal(host.linux?.securityContext?.namespaceOptions?.network, "NODE");
  assert.deepEqual(portMappings(testPod()), []);
});
