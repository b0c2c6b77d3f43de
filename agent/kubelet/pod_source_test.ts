import assert from "node:assert/strict";
import { HASH_ANNOTATION, sameBeyondStatus, staticPod } from "./pod_source.ts";
import { testPod } from "./testing.ts";

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - {name: c, image: busybox:test}
`;

Deno.test("staticPod() names the pod after the node, gives it a stable UID and upstream's defaults", () => {
  const [pod] = staticPod(MANIFEST, "edge-1", "/m/web.yaml");
  assert.equal(pod.metadata.name, "web-edge-1");
  assert.equal(pod.metadata.namespace, "default");
  assert.equal(pod.metadata.uid, pod.metadata.annotations?.[HASH_ANNOTATION]);
  assert.equal(pod.metadata.annotations?.["kubernetes.io/config.source"], "file");
  assert.equal(pod.spec?.nodeName, "edge-1");
  assert.equal(pod.spec?.restartPolicy, "Always");
  assert.deepEqual(pod.spec?.tolerations, [{ operator: "Exists", effect: "NoExecute" }]);
  assert.equal(staticPod(MANIFEST, "edge-1", "/m/web.yaml")[0].metadata.uid, pod.metadata.uid);
  assert.notEqual(
    staticPod(MANIFEST.replace("busybox:test", "busybox:other"), "edge-1", "/m/web.yaml")[0]
      .metadata.uid,
    pod.metadata.uid,
  );
  assert.deepEqual(staticPod("kind: ConfigMap\nmetadata: {name: x}\n", "n", "/m/x.yaml"), []);
});

Deno.test("sameBeyondStatus() ignores status and bookkeeping, not spec or deletion", () => {
  const a = testPod();
  a.metadata.resourceVersion = "1";
  const statusOnly = {
    ...testPod({}, { phase: "Running" }),
    metadata: { ...a.metadata, resourceVersion: "2" },
  };
  assert.equal(sameBeyondStatus(a, statusOnly), true);
  const deleting = { ...a, metadata: { ...a.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } };
  assert.equal(sameBeyondStatus(a, deleting), false);
  assert.equal(
    sameBeyondStatus(a, testPod({ containers: [{ name: "c", image: "other" }] })),
    false,
  );
});
