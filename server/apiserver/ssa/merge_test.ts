import assert from "node:assert/strict";
import { FieldSet, formatPath, path } from "./fieldpath.ts";
import { merge, prune } from "./merge.ts";
import { openAPIShape, shapeForKind } from "./schema.ts";
import { ensureNamedFieldsAreMembers, toFieldSet, validate } from "./typed.ts";

const DEPLOYMENT = shapeForKind("apps/v1", "Deployment");
const SERVICE = shapeForKind("v1", "Service");

function deployment(containers: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers } },
      ...extra,
    },
  };
}

Deno.test("merge() merges list maps by key, keeps live-only items, replaces atomic values", () => {
  const live = deployment([
    { name: "a", image: "a:1", workingDir: "/a" },
    { name: "sidecar", image: "s:1" },
  ]);
  const config = {
    spec: {
      selector: { matchLabels: { app: "other" } },
      template: { spec: { containers: [{ name: "a", image: "a:2", args: ["x"] }] } },
    },
  };
  const out = merge(live, config, DEPLOYMENT) as ReturnType<typeof deployment>;
  assert.deepEqual(out.spec.template.spec.containers, [
    { name: "a", image: "a:2", workingDir: "/a", args: ["x"] },
    { name: "sidecar", image: "s:1" },
  ]);
  // The selector is atomic: replaced, not merged.
  assert.deepEqual(out.spec.selector, { matchLabels: { app: "other" } });
  assert.equal(out.spec.replicas, 2);
});

Deno.test("merge() unions sets and orders items the way the configuration lists them", () => {
  const shape = openAPIShape({
    type: "object",
    properties: {
      tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
      steps: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["id"],
        items: { type: "object", properties: { id: { type: "string" } } },
      },
      args: { type: "array", items: { type: "string" } },
    },
  });
  const out = merge(
    {
      tags: ["a", "b"],
      steps: [{ id: "1" }, { id: "2" }, { id: "3", x: 1 }],
      args: ["old", "list"],
    },
    { tags: ["c", "a"], steps: [{ id: "3", y: 2 }, { id: "1" }], args: ["new"] },
    shape,
  );
  assert.deepEqual(out, {
    tags: ["c", "a", "b"],
    steps: [{ id: "2" }, { id: "3", x: 1, y: 2 }, { id: "1" }],
    args: ["new"],
  });
});

Deno.test("validate() and merge() refuse duplicate keys in an applied configuration", () => {
  const config = { spec: { ports: [{ port: 80 }, { port: 80, protocol: "TCP" }] } };
  const message = /\.spec\.ports: duplicate entries for key \[port=80,protocol="TCP"\]$/;
  assert.throws(() => validate(config, SERVICE), message);
  assert.throws(() => merge({ spec: { ports: [] } }, config, SERVICE), message);
  // Live objects may hold duplicates; they are tracked as a whole.
  const live = toFieldSet({ spec: { ports: config.spec.ports } }, SERVICE);
  assert.deepEqual(live.paths().map(formatPath), ['.spec.ports[port=80,protocol="TCP"]']);
});

Deno.test("prune() removes given-up fields and items unless kept, and empty lists with them", () => {
  const live = deployment([{ name: "a", image: "a", ports: [{ containerPort: 80 }] }], {
    paused: true,
  });
  const c = ["spec", "template", "spec", "containers", { name: "a" }] as const;
  const remove = ensureNamedFieldsAreMembers(
    FieldSet.of(
      path("spec", "replicas"),
      path("spec", "paused"),
      path(...c, "ports", { containerPort: 80, protocol: "TCP" }),
    ),
    DEPLOYMENT,
  );
  const keep = ensureNamedFieldsAreMembers(
    FieldSet.of(path("spec", "replicas"), path(...c, "image")),
    DEPLOYMENT,
  );
  const out = prune(live, DEPLOYMENT, remove, keep) as ReturnType<typeof deployment>;
  assert.equal(out.spec.replicas, 2);
  assert.equal("paused" in out.spec, false);
  assert.deepEqual(out.spec.template.spec.containers, [{ name: "a", image: "a" }]);
});
