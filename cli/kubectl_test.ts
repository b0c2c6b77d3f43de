import assert from "node:assert/strict";
import { adminKubeconfig, kubectlEnv } from "./kubectl.ts";

Deno.test("kubectlEnv() points KUBECONFIG at the admin kubeconfig unless it is set", () => {
  assert.deepEqual(kubectlEnv({ PATH: "/bin", UNSET: undefined }), {
    PATH: "/bin",
    KUBECONFIG: adminKubeconfig,
  });
  assert.equal(kubectlEnv({ KUBECONFIG: "/mine" }).KUBECONFIG, "/mine");
  assert.equal(adminKubeconfig, "/etc/rancher/k3s/k3s.yaml");
});
