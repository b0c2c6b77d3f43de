import assert from "node:assert/strict";
import { containerAnnotations, containerHash, RESTART_COUNT_ANNOTATION } from "./labels.ts";
import { testPod } from "./testing.ts";

Deno.test("containerHash() ignores key order and changes with the spec", () => {
  const a = containerHash({ name: "c", image: "x", env: [{ name: "A", value: "1" }] });
  const b = containerHash({ env: [{ value: "1", name: "A" }], image: "x", name: "c" });
  assert.equal(a, b);
  assert.notEqual(a, containerHash({ name: "c", image: "y", env: [{ name: "A", value: "1" }] }));
  assert.notEqual(a, containerHash({ name: "c", image: "x", env: [{ name: "A", value: "2" }] }));
});

Deno.test("containerAnnotations() keep what a restarted kubelet needs: restarts, grace period, preStop", () => {
  const pod = testPod({ terminationGracePeriodSeconds: 7 });
  const c = { name: "c", lifecycle: { preStop: { exec: { command: ["x"] } } } };
  const annotations = containerAnnotations(pod, c, 3);
  assert.equal(annotations[RESTART_COUNT_ANNOTATION], "3");
  assert.equal(annotations["io.kubernetes.pod.terminationGracePeriod"], "7");
  assert.deepEqual(JSON.parse(annotations["io.kubernetes.container.preStopHandler"]), {
    exec: { command: ["x"] },
  });
});
