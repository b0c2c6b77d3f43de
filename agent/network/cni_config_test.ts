import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fallbackPodCidr, parseIpv4Cidr, renderCniConfig } from "./cni_config.ts";

const golden = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), "utf8");

Deno.test("renderCniConfig() writes the bridge + portmap conflist K3s nodes use", async () => {
  const text = renderCniConfig({
    podCidr: "10.42.7.0/24",
    ipamDataDir: "/var/lib/rancher/k3s/agent/cni/networks",
  });
  assert.equal(text, await golden("10-k3s.conflist"));
});

Deno.test("renderCniConfig() leaves host-local's state dir to the plugin when none is given", () => {
  const config = JSON.parse(renderCniConfig({ podCidr: "10.42.0.0/24", bridge: "br1" }));
  assert.equal(config.plugins[0].bridge, "br1");
  assert.equal(config.plugins[0].ipam.dataDir, undefined);
  assert.deepEqual(config.plugins[0].ipam.ranges, [[{ subnet: "10.42.0.0/24" }]]);
});

Deno.test("fallbackPodCidr() picks the same /24 of the cluster CIDR for a name every time", () => {
  const a = fallbackPodCidr("node-a");
  assert.equal(a, fallbackPodCidr("node-a"));
  assert.match(a, /^10\.42\.\d+\.0\/24$/);
  const names = Array.from({ length: 40 }, (_, i) => fallbackPodCidr(`node-${i}`));
  assert.ok(new Set(names).size > 20, "names spread over the range");
  assert.match(fallbackPodCidr("x", "10.100.0.0/20"), /^10\.100\.([0-9]|1[0-5])\.0\/24$/);
});

Deno.test("parseIpv4Cidr() masks the host bits and refuses what is not a CIDR", () => {
  assert.deepEqual(parseIpv4Cidr("10.42.3.9/16"), { base: 0x0a2a0000, bits: 16 });
  assert.throws(() => parseIpv4Cidr("10.42.0.0"), /not an IPv4 CIDR/);
  assert.throws(() => parseIpv4Cidr("300.1.1.1/8"), /not an IPv4 CIDR/);
});
