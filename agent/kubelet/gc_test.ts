import assert from "node:assert/strict";
import { podGarbage } from "./gc.ts";
import { ctr, runtimePod, sandbox } from "./testing.ts";

Deno.test("podGarbage() keeps the current and previous instance of each container and their sandboxes", () => {
  const c = { name: "c" };
  const rt = runtimePod(
    [
      sandbox({ id: "sb3" }),
      sandbox({ id: "sb2", state: "SANDBOX_NOTREADY" }),
      sandbox({ id: "sb1", state: "SANDBOX_NOTREADY" }),
    ],
    [
      ctr(c, { id: "c4", sandboxId: "sb3" }),
      ctr(c, { id: "c3", sandboxId: "sb2", state: "CONTAINER_EXITED" }),
      ctr(c, { id: "c2", sandboxId: "sb1", state: "CONTAINER_EXITED" }),
      ctr(c, { id: "c1", sandboxId: "sb1", state: "CONTAINER_EXITED" }),
      ctr({ name: "side" }, { id: "s1", sandboxId: "sb3" }),
    ],
  );
  assert.deepEqual(podGarbage(rt), { containers: ["c2", "c1"], sandboxes: ["sb1"] });
  assert.deepEqual(podGarbage(runtimePod([sandbox()], [ctr(c)])), {
    containers: [],
    sandboxes: [],
  });
});
