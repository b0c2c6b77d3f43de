/**
 * `kubectl label` and `kubectl annotate` with the oldest and newest kubectl: add, refuse to
 * overwrite without `--overwrite`, overwrite with it, remove with `key-`, and label by selector.
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, startServer } from "./harness.ts";

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> };

Deno.test("kubectl label and annotate add, overwrite and remove keys", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "label", async (k, t) => {
      const cms = `/api/v1/namespaces/${k.namespace}/configmaps`;
      const meta = async (name: string) =>
        (await server.requestOk<{ metadata: Meta }>("GET", `${cms}/${name}`)).metadata;
      for (const name of ["one", "two", "three"]) {
        await server.requestOk("POST", cms, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, labels: { group: name === "three" ? "b" : "a" } },
        });
      }

      // kubectl before 1.28 printed "annotate" where later ones print "annotated".
      const verbs = [
        { verb: "label", field: "labels", done: /^configmap\/one labeled\n$/ },
        { verb: "annotate", field: "annotations", done: /^configmap\/one annotated?\n$/ },
      ] as const;
      for (const { verb, field, done } of verbs) {
        await t.step(`${verb}: add, overwrite, remove`, async () => {
          const ok = (args: string[]) => k.ok([verb, "configmap", ...args]);
          assert.match(await ok(["one", "color=red"]), done);
          assert.equal((await meta("one"))[field]?.color, "red");

          const refused = await k.run([verb, "configmap", "one", "color=blue"]);
          assert.notEqual(refused.code, 0);
          assert.match(refused.stderr, /'color' already has a value \(red\)/);
          assert.match(refused.stderr, /--overwrite is false/);
          assert.equal((await meta("one"))[field]?.color, "red");

          await ok(["one", "color=blue", "--overwrite"]);
          assert.equal((await meta("one"))[field]?.color, "blue");

          await ok(["one", "color-"]);
          assert.equal((await meta("one"))[field]?.color, undefined);
        });
      }

      await t.step("label -l selects the objects to change", async () => {
        const out = await k.ok(["label", "configmap", "-l", "group=a", "picked=yes"]);
        assert.deepEqual(out.trim().split("\n").sort(), [
          "configmap/one labeled",
          "configmap/two labeled",
        ]);
        assert.equal((await meta("one")).labels?.picked, "yes");
        assert.equal((await meta("two")).labels?.picked, "yes");
        assert.equal((await meta("three")).labels?.picked, undefined);
      });
    });
  } finally {
    await server.close();
  }
});
