import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { deployments } from "./deployment.ts";
import { cells, create, fieldsOf, NOW, update } from "./testing.ts";

function deployment(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] },
      },
      ...spec,
    },
  };
}

Deno.test("deployments: a minimal deployment gets upstream's defaults", async () => {
  const { obj, errors } = await create(deployments, deployment());
  assert.deepStrictEqual(errors, []);
  const { template, ...spec } = obj.spec as Record<string, unknown>;
  assert.deepStrictEqual(spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
  });
  const podSpec = (template as { spec: Record<string, unknown> }).spec;
  assert.equal(podSpec.restartPolicy, "Always");
  assert.equal(podSpec.dnsPolicy, "ClusterFirst");
  assert.deepStrictEqual(obj.status, {});
});

Deno.test("deployments: explicit values survive defaulting", async () => {
  const { obj, errors } = await create(
    deployments,
    deployment({ replicas: 0, strategy: { type: "Recreate" }, revisionHistoryLimit: 0 }),
  );
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 0);
  assert.equal(spec.revisionHistoryLimit, 0);
  assert.deepStrictEqual(spec.strategy, { type: "Recreate" });
});

Deno.test("deployments: a selector that does not match the template labels is refused", async () => {
  const { errors } = await create(
    deployments,
    deployment({ selector: { matchLabels: { app: "other" } } }),
  );
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid spec.template.metadata.labels"]);
  assert.equal(errors[0].detail, "`selector` does not match template `labels`");
  assert.deepStrictEqual(errors[0].value, { app: "web" });
});

Deno.test("deployments: a missing or empty selector is refused", async () => {
  const missing = await create(deployments, deployment({ selector: undefined }));
  assert.deepStrictEqual(fieldsOf(missing.errors), [
    "FieldValueRequired spec.selector",
    "FieldValueInvalid spec.template.metadata.labels",
  ]);
  const empty = await create(deployments, deployment({ selector: {} }));
  assert.deepStrictEqual(fieldsOf(empty.errors), ["FieldValueInvalid spec.selector"]);
  assert.equal(empty.errors[0].detail, "empty selector is invalid for deployment");
});

Deno.test("deployments: replicas, strategy and template rules are checked", async () => {
  const { errors } = await create(
    deployments,
    deployment({
      replicas: -1,
      strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { restartPolicy: "Never", containers: [{ name: "nginx", image: "nginx" }] },
      },
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.replicas",
    "FieldValueNotSupported spec.template.spec.restartPolicy",
    "FieldValueForbidden spec.strategy.rollingUpdate",
  ]);
  assert.equal(errors[2].detail, "may not be specified when strategy `type` is 'Recreate'");
});

Deno.test("deployments: maxSurge and maxUnavailable may not both be 0", async () => {
  const { errors } = await create(
    deployments,
    deployment({ strategy: { rollingUpdate: { maxSurge: "0%", maxUnavailable: 0 } } }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable",
  ]);
  assert.equal(errors[0].detail, "may not be 0 when `maxSurge` is 0");
  const bad = await create(
    deployments,
    deployment({ strategy: { rollingUpdate: { maxSurge: "x", maxUnavailable: "150%" } } }),
  );
  assert.deepStrictEqual(bad.errors.map((e) => e.detail), [
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    "must not be greater than 100%",
  ]);
});

Deno.test("deployments: the selector is immutable", async () => {
  const { obj: old } = await create(deployments, deployment());
  const next = structuredClone(old);
  (next.spec as Record<string, unknown>).selector = {
    matchLabels: { app: "web", tier: "front" },
  };
  (next.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
    .labels.tier = "front";
  const { errors } = await update(deployments, next, old);
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid spec.selector"]);
  assert.equal(errors[0].detail, "field is immutable");
});

Deno.test("deployments: spec and annotation changes bump the generation, label changes do not", async () => {
  const { obj: old } = await create(deployments, deployment());
  const scaled = structuredClone(old);
  (scaled.spec as Record<string, unknown>).replicas = 3;
  assert.equal((await update(deployments, scaled, old)).obj.metadata.generation, 2);
  const annotated = structuredClone(old);
  annotated.metadata.annotations = { note: "x" };
  assert.equal((await update(deployments, annotated, old)).obj.metadata.generation, 2);
  const labelled = structuredClone(old);
  labelled.metadata.labels = { team: "a" };
  assert.equal((await update(deployments, labelled, old)).obj.metadata.generation, 1);
});

Deno.test("deployments: columns show readiness, counts, containers and selector", async () => {
  const { obj } = await create(deployments, deployment({ replicas: 3 }));
  obj.metadata.creationTimestamp = new Date(NOW.getTime() - 90_000).toISOString();
  obj.status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepStrictEqual(cells(deployments, obj), {
    Ready: "2/3",
    "Up-to-date": 3,
    Available: 2,
    Age: "90s",
    Containers: "nginx",
    Images: "nginx:1.25",
    Selector: "app=web",
  });
});

Deno.test("deployments: a name that is not a DNS label draws a warning on create only", async () => {
  const dotted = deployment();
  dotted.metadata.name = "web.v1";
  const { obj, warnings } = await create(deployments, dotted);
  assert.deepStrictEqual(warnings, [
    "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]",
  ]);
  assert.deepStrictEqual((await update(deployments, structuredClone(obj), obj)).warnings, []);
  assert.deepStrictEqual((await create(deployments, deployment())).warnings, []);
});
