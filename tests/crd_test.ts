/**
 * CustomResourceDefinitions with the oldest and newest kubectl against a real server: apply a
 * CRD, wait for Established, discovery (`api-resources` with short name and category), custom
 * resources created, listed with printer columns, patched (merge, json; strategic refused with
 * 415), validated (422 naming the field), pruned and defaulted, `/status` and `kubectl scale`,
 * two served versions, `kubectl explain`, a non-structural CRD refused with its reasons, and
 * deleting the CRD removing its objects and its resource.
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, parseTable, startServer } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function crd(plural: string, kind: string, short: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: ${plural}
    singular: ${kind.toLowerCase()}
    kind: ${kind}
    shortNames: [${short}]
    categories: [all, examples]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Image
      type: string
      priority: 1
      jsonPath: .spec.image
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: The desired schedule.
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                description: A cron expression.
              image:
                type: string
                default: busybox
              replicas:
                type: integer
                minimum: 0
          status:
            type: object
            properties:
              replicas:
                type: integer
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;
}

Deno.test("kubectl with custom resources: CRD, CRUD, validation, columns, scale, explain, delete", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "crd", async (k, t) => {
      const v = k.version.replace(".", "");
      const plural = `crontabs${v}`, kind = `CronTab${v}`, short = `ct${v}`;
      const group = "stable.example.com";
      const resource = `${plural}.${group}`;

      await t.step("apply and wait for Established", async () => {
        const out = await k.ok(["apply", "-f", "-"], { stdin: crd(plural, kind, short) });
        assert.match(
          out,
          new RegExp(`customresourcedefinition.apiextensions.k8s.io/${resource} created`),
        );
        await k.ok(["wait", "--for", "condition=established", "--timeout=30s", `crd/${resource}`]);
        const table = parseTable(await k.ok(["get", "crd", resource]));
        assert.deepEqual(table.headers, ["NAME", "CREATED AT"]);
      });

      await t.step("api-resources lists it with its short name and category", async () => {
        const out = await k.ok(["api-resources", "--api-group", group]);
        const row = parseTable(out).rows.find((r) => r.NAME === plural);
        assert.ok(row, out);
        assert.equal(row.SHORTNAMES, short);
        assert.equal(row.KIND, kind);
        const cat = await k.ok(["api-resources", "--categories", "examples", "-o", "name"]);
        assert.ok(cat.includes(resource), cat);
      });

      await t.step("create, get with printer columns, list by short name", async () => {
        const strict = await k.run(["apply", "-f", "-"], {
          stdin:
            `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata:\n  name: nightly\nspec:\n  cronSpec: "0 3 * * *"\n  unknownField: x\n`,
        });
        assert.match(strict.stderr, /strict decoding error: unknown field "spec.unknownField"/);
        await k.ok(["apply", "--validate=false", "-f", "-"], {
          stdin:
            `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata:\n  name: nightly\nspec:\n  cronSpec: "0 3 * * *"\n  replicas: 2\n  unknownField: dropped\n`,
        });
        const table = parseTable(await k.ok(["get", short]));
        assert.deepEqual(table.headers, ["NAME", "SPEC", "REPLICAS"]);
        assert.equal(table.rows[0].SPEC, "0 3 * * *");
        assert.equal(table.rows[0].REPLICAS, "2");
        const wide = parseTable(await k.ok(["get", short, "nightly", "-o", "wide"]));
        assert.equal(wide.rows[0].IMAGE, "busybox");
        const obj: Any = JSON.parse(await k.ok(["get", resource, "nightly", "-o", "json"]));
        assert.equal(obj.spec.image, "busybox", "default applied");
        assert.equal(obj.spec.unknownField, undefined, "unknown field pruned");
        const all = await k.ok(["get", "all"]);
        assert.ok(all.includes(`${kind.toLowerCase()}.${group}/nightly`), all);
      });

      await t.step("a CR violating the schema is refused with the field", async () => {
        const r = await k.run(["apply", "-f", "-"], {
          stdin:
            `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata:\n  name: broken\nspec:\n  cronSpec: "* * * * *"\n  replicas: "two"\n`,
        });
        assert.notEqual(r.code, 0);
        assert.match(
          r.stderr,
          /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/,
        );
        const missing = await k.run(["apply", "-f", "-"], {
          stdin:
            `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata:\n  name: broken\nspec:\n  replicas: 1\n`,
        });
        assert.match(missing.stderr, /spec\.cronSpec: Required value/);
      });

      await t.step(
        "merge and json patches apply; strategic merge is refused with 415",
        async () => {
          await k.ok([
            "patch",
            short,
            "nightly",
            "--type",
            "merge",
            "-p",
            '{"spec":{"replicas":3}}',
          ]);
          await k.ok([
            "patch",
            short,
            "nightly",
            "--type",
            "json",
            "-p",
            '[{"op":"replace","path":"/spec/image","value":"nginx"}]',
          ]);
          const obj: Any = JSON.parse(await k.ok(["get", short, "nightly", "-o", "json"]));
          assert.equal(obj.spec.replicas, 3);
          assert.equal(obj.spec.image, "nginx");
          const smp = await k.run([
            "patch",
            short,
            "nightly",
            "--type",
            "strategic",
            "-p",
            '{"spec":{"replicas":4}}',
          ]);
          assert.notEqual(smp.code, 0);
          assert.match(smp.stderr, /UnsupportedMediaType|unknown format|not supported/i);
        },
      );

      await t.step("status subresource and kubectl scale", async () => {
        const path = `/apis/${group}/v1/namespaces/${k.namespace}/${plural}/nightly`;
        await server.requestOk(
          "PATCH",
          `${path}/status`,
          { status: { replicas: 3 } },
          "application/merge-patch+json",
        );
        await server.requestOk(
          "PATCH",
          path,
          { status: { replicas: 99 } },
          "application/merge-patch+json",
        );
        let obj: Any = await server.requestOk("GET", path);
        assert.equal(obj.status.replicas, 3, "main resource ignores status");
        const gen = obj.metadata.generation;
        await k.ok(["scale", short, "nightly", "--replicas=5"]);
        obj = await server.requestOk("GET", path);
        assert.equal(obj.spec.replicas, 5);
        assert.equal(obj.metadata.generation, gen + 1);
      });

      await t.step("both versions are served", async () => {
        const beta: Any = JSON.parse(
          await k.ok(["get", `${plural}.v1beta1.${group}`, "nightly", "-o", "json"]),
        );
        assert.equal(beta.apiVersion, `${group}/v1beta1`);
        assert.equal(beta.spec.cronSpec, "0 3 * * *");
        const stable: Any = JSON.parse(
          await k.ok(["get", `${plural}.v1.${group}`, "nightly", "-o", "json"]),
        );
        assert.equal(stable.apiVersion, `${group}/v1`);
      });

      await t.step("kubectl explain prints the schema's fields", async () => {
        const out = await k.ok(["explain", `${plural}.spec`]);
        assert.match(out, /cronSpec/);
        assert.match(out, /A cron expression\./);
        assert.match(out, /replicas/);
      });

      await t.step("delete a CR, then the CRD with its objects", async () => {
        await k.ok(["apply", "-f", "-"], {
          stdin:
            `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata:\n  name: weekly\nspec:\n  cronSpec: "0 0 * * 0"\n`,
        });
        await k.ok(["delete", short, "nightly"]);
        assert.equal(parseTable(await k.ok(["get", short])).rows.length, 1);
        await k.ok(["delete", "crd", resource, "--timeout=60s"]);
        const gone = await k.run(["get", `${plural}.${group}`]);
        assert.notEqual(gone.code, 0);
        const res = await k.ok(["api-resources", "--api-group", group]);
        assert.ok(!res.includes(`${plural} `), res);
      });
    });

    await t.step("a non-structural CRD is refused with its reasons", async () => {
      const r = await server.kubectl(["apply", "-f", "-"], {
        stdin: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {plural: widgets, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            properties:
              size: {type: integer}
            additionalProperties: {type: string}
`,
      });
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive/,
      );
      assert.match(
        r.stderr,
        /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.type: Required value: must not be empty for specified object fields/,
      );
    });
  } finally {
    await server.close();
  }
});
