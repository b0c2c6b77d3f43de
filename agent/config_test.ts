import assert from "node:assert/strict";
import { parseKubeletArgs, resolveAgentPaths } from "./config.ts";

Deno.test("parseKubeletArgs() reads the kubelet flags it knows and lists the rest", () => {
  const args = parseKubeletArgs([
    "port=11250",
    "--root-dir=/data/kubelet",
    "max-pods=50",
    "node-status-update-frequency=5s",
    "feature-gates=X=true",
  ]);
  assert.equal(args.port, 11250);
  assert.equal(args.rootDir, "/data/kubelet");
  assert.equal(args.maxPods, 50);
  assert.equal(args.nodeStatusUpdateFrequencyMs, 5000);
  assert.deepEqual(args.ignored, ["feature-gates"]);
  const defaults = parseKubeletArgs();
  assert.equal(defaults.port, 10250);
  assert.equal(defaults.podLogsDir, "/var/log/pods");
  assert.equal(defaults.containerLogMaxSize, 10 * 1024 * 1024);
  assert.equal(parseKubeletArgs(["container-log-max-size=1Mi"]).containerLogMaxSize, 1024 * 1024);
  assert.throws(() => parseKubeletArgs(["max-pods=many"]), /not a whole number/);
});

Deno.test("resolveAgentPaths() keeps K3s's locations under the data dir", () => {
  const paths = resolveAgentPaths("/var/lib/rancher/k3s", parseKubeletArgs());
  assert.equal(paths.cniConfDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
  assert.equal(paths.podManifests, "/var/lib/rancher/k3s/agent/pod-manifests");
  assert.equal(paths.nodePasswordFile, "/etc/rancher/node/password");
  assert.equal(paths.kubeletRoot, "/var/lib/kubelet");
});
