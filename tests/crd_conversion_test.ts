/**
 * CRD conversion webhooks with the real kubectl: a CRD served as v1 (storage, `spec.host`) and v2
 * (`spec.hostname`) with `conversion.strategy: Webhook`, and an HTTPS conversion webhook in this
 * test on loopback with its own CA. Objects written in either version read back in both, lists
 * and watches in the non-storage version come converted, and a webhook failure reaches kubectl
 * in upstream's words.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer } from "node:https";
import { stringify } from "yaml";
import { createCa, signCertificate } from "../server/pki/mod.ts";
import { kubectlSteps, startServer } from "./harness.ts";

const GROUP = "conv.example.com";

type Obj = Record<string, unknown> & {
  apiVersion: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
};

/** v1 `spec.host` is v2 `spec.hostname`; an object named `broken` cannot be converted. */
function convert(o: Obj, desired: string): Obj {
  const spec = { ...(o.spec ?? {}) };
  if (desired.endsWith("/v2") && "host" in spec) {
    spec.hostname = spec.host;
    delete spec.host;
  } else if (desired.endsWith("/v1") && "hostname" in spec) {
    spec.host = spec.hostname;
    delete spec.hostname;
  }
  return { ...o, apiVersion: desired, spec };
}

async function conversionWebhook() {
  const ca = await createCa({ commonName: "conversion-test-ca" });
  const cert = await signCertificate({
    ca,
    commonName: "converter",
    sans: ["127.0.0.1"],
    usage: "server",
  });
  const reviews: Record<string, unknown>[] = [];
  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      reviews.push(review);
      const { uid, desiredAPIVersion, objects } = review.request as {
        uid: string;
        desiredAPIVersion: string;
        objects: Obj[];
      };
      const broken = objects.some((o) => o.metadata.name === "broken");
      const response = broken
        ? { uid, result: { status: "Failure", message: "cannot convert broken" } }
        : {
          uid,
          result: { status: "Success" },
          convertedObjects: objects.map((o) => convert(o, desiredAPIVersion)),
        };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        response,
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}/convert`,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    reviews,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function crd(url: string, caBundle: string) {
  const version = (name: string, field: string, storage: boolean) => ({
    name,
    served: true,
    storage,
    schema: {
      openAPIV3Schema: {
        type: "object",
        properties: {
          spec: { type: "object", properties: { [field]: { type: "string" } } },
        },
      },
    },
  });
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${GROUP}` },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [version("v1", "host", true), version("v2", "hostname", false)],
      conversion: {
        strategy: "Webhook",
        webhook: { clientConfig: { url, caBundle }, conversionReviewVersions: ["v1"] },
      },
    },
  };
}

function widget(version: string, name: string, field: string, value: string): string {
  return stringify({
    apiVersion: `${GROUP}/${version}`,
    kind: "Widget",
    metadata: { name },
    spec: { [field]: value },
  });
}

Deno.test({
  name: "kubectl: a CRD conversion webhook converts reads, writes, lists and watches",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const hook = await conversionWebhook();
    const server = await startServer();
    try {
      await server.kubectlOk(["apply", "-f", "-"], {
        stdin: JSON.stringify(crd(hook.url, hook.caBundle)),
      });
      await server.kubectlOk([
        "wait",
        "--for=condition=established",
        "--timeout=60s",
        `crd/widgets.${GROUP}`,
      ]);

      await kubectlSteps(t, server, "conv", async (k, t) => {
        const field = async (version: string, name: string, path: string) =>
          await k.ok([
            "get",
            `widgets.${version}.${GROUP}`,
            name,
            "-o",
            `jsonpath={.apiVersion} {${path}}`,
          ]);

        await t.step("an object written as v2 is stored as v1 and reads in both", async () => {
          await k.ok(["apply", "-f", "-"], {
            stdin: widget("v2", "from-v2", "hostname", "a.example"),
          });
          assert.equal(await field("v2", "from-v2", ".spec.hostname"), `${GROUP}/v2 a.example`);
          assert.equal(await field("v1", "from-v2", ".spec.host"), `${GROUP}/v1 a.example`);
          assert.equal(
            await field("v1", "from-v2", ".spec.hostname"),
            `${GROUP}/v1 `,
            "v1 has no hostname",
          );
          const sent = hook.reviews.map((r) => r.request as Record<string, unknown>);
          assert.ok(sent.some((r) => r.desiredAPIVersion === `${GROUP}/v1`), "write went via v1");
        });

        await t.step("an object written as v1 reads as v2; patch and apply in v2", async () => {
          await k.ok(["create", "-f", "-"], {
            stdin: widget("v1", "from-v1", "host", "b.example"),
          });
          assert.equal(await field("v2", "from-v1", ".spec.hostname"), `${GROUP}/v2 b.example`);
          await k.ok([
            "patch",
            `widgets.v2.${GROUP}`,
            "from-v1",
            "--type=merge",
            "-p",
            '{"spec":{"hostname":"c.example"}}',
          ]);
          assert.equal(await field("v1", "from-v1", ".spec.host"), `${GROUP}/v1 c.example`);
          await k.ok(["apply", "-f", "-"], {
            stdin: widget("v2", "from-v2", "hostname", "d.example"),
          });
          assert.equal(await field("v1", "from-v2", ".spec.host"), `${GROUP}/v1 d.example`);
        });

        await t.step("a list in v2 converts every item", async () => {
          const table = await k.ok(["get", `widgets.v2.${GROUP}`]);
          assert.match(table, /^NAME\s+AGE\n/);
          assert.match(table, /\nfrom-v1\s/);
          const list = JSON.parse(await k.ok(["get", `widgets.v2.${GROUP}`, "-o", "json"]));
          const got = Object.fromEntries(
            (list.items as Obj[]).map((i) => [i.metadata.name, [i.apiVersion, i.spec?.hostname]]),
          );
          assert.deepEqual(got, {
            "from-v1": [`${GROUP}/v2`, "c.example"],
            "from-v2": [`${GROUP}/v2`, "d.example"],
          });
        });

        await t.step("a watch in v2 sends converted events", async () => {
          const path = `/apis/${GROUP}/v2/namespaces/${k.namespace}/widgets`;
          const listed = await server.requestOk<{ metadata: { resourceVersion: string } }>(
            "GET",
            path,
          );
          const watch = server.request(
            "GET",
            `${path}?watch=true&timeoutSeconds=3&resourceVersion=${listed.metadata.resourceVersion}`,
          );
          await k.ok(["create", "-f", "-"], {
            stdin: widget("v1", "watched", "host", "e.example"),
          });
          const events = (await watch).body.trim().split("\n").map((l) => JSON.parse(l));
          const added = events.find((e) => e.object?.metadata?.name === "watched");
          assert.ok(added, `no event for the new object: ${JSON.stringify(events)}`);
          assert.equal(added.type, "ADDED");
          assert.equal(added.object.apiVersion, `${GROUP}/v2`);
          assert.equal(added.object.spec.hostname, "e.example");
        });

        await t.step("a failing webhook fails the request with upstream's message", async () => {
          const r = await k.run(["create", "-f", "-"], {
            stdin: widget("v2", "broken", "hostname", "x"),
          });
          assert.notEqual(r.code, 0);
          assert.match(
            r.stderr,
            new RegExp(
              `Internal error occurred: conversion webhook for ${GROUP}/v2, Kind=Widget returned invalid response: cannot convert broken`,
            ),
          );
          const gone = await k.run(["get", `widgets.v1.${GROUP}`, "broken"]);
          assert.notEqual(gone.code, 0, "nothing was stored");

          // Stored as v1 without conversion, it cannot be read as v2, nor watched.
          await k.ok(["create", "-f", "-"], { stdin: widget("v1", "broken", "host", "x") });
          const read = await k.run(["get", `widgets.v2.${GROUP}`, "broken"]);
          assert.notEqual(read.code, 0);
          assert.match(
            read.stderr,
            new RegExp(`conversion webhook for ${GROUP}/v1, Kind=Widget returned invalid response`),
          );
          const watched = await server.request(
            "GET",
            `/apis/${GROUP}/v2/namespaces/${k.namespace}/widgets?watch=true&fieldSelector=metadata.name%3Dbroken&timeoutSeconds=5`,
          );
          const events = watched.body.trim().split("\n").map((l) => JSON.parse(l));
          assert.equal(events.at(-1).type, "ERROR", watched.body);
          assert.equal(events.at(-1).object.code, 500);
          assert.match(events.at(-1).object.message, /cannot convert broken/);
          await k.ok(["delete", `widgets.v1.${GROUP}`, "broken"]);
        });
      });

      await t.step("a list mixing objects stored as v1 and as v2 reads whole in each", async () => {
        const changed = crd(hook.url, hook.caBundle);
        for (const v of changed.spec.versions) v.storage = v.name === "v2";
        await server.kubectlOk(["apply", "-f", "-"], { stdin: JSON.stringify(changed) });
        // The CRD is served again with v2 as storage a moment later: write until it is.
        const deadline = Date.now() + 20_000;
        for (let i = 0;; i++) {
          await server.kubectlOk(["create", "-n", "default", "-f", "-"], {
            stdin: widget("v1", `mixed-${i}`, "host", `m${i}.example`),
          });
          const sent = hook.reviews.at(-1)?.request as Record<string, unknown> | undefined;
          if (sent?.desiredAPIVersion === `${GROUP}/v2`) break;
          assert.ok(Date.now() < deadline, "the storage version never changed");
        }
        for (const [version, field] of [["v1", "host"], ["v2", "hostname"]]) {
          const list = JSON.parse(
            await server.kubectlOk(["get", `widgets.${version}.${GROUP}`, "-A", "-o", "json"]),
          );
          for (const item of list.items as Obj[]) {
            assert.equal(item.apiVersion, `${GROUP}/${version}`);
            assert.match(String(item.spec?.[field]), /\.example$/, JSON.stringify(item));
          }
          const names = (list.items as Obj[]).map((i) => i.metadata.name);
          assert.ok(names.includes("mixed-0") && names.includes("from-v1"), names.join());
        }
      });
    } finally {
      await server.close();
      await hook.close();
    }
  },
});
