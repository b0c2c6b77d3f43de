import assert from "node:assert/strict";
import { agentConfig, goIpNet, nthIp } from "./agent_config.ts";

Deno.test("goIpNet() encodes a CIDR as Go's encoding/json encodes *net.IPNet", () => {
  assert.deepEqual(goIpNet("10.42.0.0/16"), { IP: "10.42.0.0", Mask: "//8AAA==" });
  assert.deepEqual(goIpNet("10.42.3.7/24"), { IP: "10.42.3.0", Mask: "////AA==" });
  assert.deepEqual(goIpNet("fd00:42::/56"), { IP: "fd00:42::", Mask: "/////////wAAAAAAAAAAAA==" });
});

Deno.test("nthIp() counts from the network address", () => {
  assert.equal(nthIp("10.43.0.0/16", 10), "10.43.0.10");
  assert.equal(nthIp("fd00:43::/112", 10), "fd00:43::a");
});

Deno.test("agentConfig() defaults cluster DNS to the 10th service address and carries no secrets", () => {
  const c = agentConfig({
    clusterCidrs: ["10.42.0.0/16"],
    serviceCidrs: ["10.43.0.0/16,fd00:43::/112"],
    clusterDomain: "cluster.local",
    httpsPort: 6443,
    advertiseIp: "192.168.1.5",
    nodePortRange: [30000, 32767],
    disabled: ["traefik"],
    disableScheduler: false,
    serverNodeName: "server-1",
    dataDir: "/var/lib/rancher/k3s/server",
  });
  assert.equal(c.ClusterDNS, "10.43.0.10");
  assert.deepEqual(c.ClusterDNSs, ["10.43.0.10"]);
  assert.equal(c.ClusterDomain, "cluster.local");
  assert.deepEqual(c.ServiceIPRanges, [
    { IP: "10.43.0.0", Mask: "//8AAA==" },
    { IP: "fd00:43::", Mask: "//////////////////8AAA==" },
  ]);
  assert.deepEqual(c.ServiceNodePortRange, { Base: 30000, Size: 2768 });
  assert.deepEqual(c.Disables, { traefik: true });
  const text = JSON.stringify(c);
  assert.ok(!/Token|PSK/i.test(Object.keys(c).join(",")), text);
});
