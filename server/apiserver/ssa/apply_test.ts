import assert from "node:assert/strict";
import { StatusError } from "../../../kube/errors.ts";
import type { ManagedFieldsEntry } from "../../../kube/meta.ts";
import { FieldSet, type Json, path } from "./fieldpath.ts";
import { applyConfig, type ApplyInput, LAST_APPLIED } from "./apply.ts";
import { shapeForKind } from "./schema.ts";
import { updateManagedFields } from "./update.ts";

type Obj = Record<string, Json>;
// deno-lint-ignore no-explicit-any
type Any = any;

const SHAPE = shapeForKind("apps/v1", "Deployment");
const T0 = new Date("2024-05-01T10:00:00Z");
const T1 = new Date("2024-05-01T10:00:07Z");

function config(spec: Obj, labels: Record<string, string> = { app: "web" }): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "nginx", image: "nginx:1" }] },
      },
      ...spec,
    },
  };
}

function apply(live: Obj | undefined, cfg: Obj, manager: string, opts: Partial<ApplyInput> = {}) {
  return applyConfig({
    live,
    config: cfg,
    manager,
    force: false,
    apiVersion: "apps/v1",
    kind: "Deployment",
    subresource: "",
    now: T0,
    shape: SHAPE,
    ignore: FieldSet.of(path("status")),
    ...opts,
  });
}

/** An Update operation by `manager`, the way the store records one. */
function update(live: Obj, next: Obj, manager: string, subresource = ""): Obj {
  const managedFields = updateManagedFields({
    live,
    next,
    manager,
    apiVersion: "apps/v1",
    subresource,
    now: T1,
    shape: SHAPE,
  });
  return { ...next, metadata: { ...(next.metadata as Obj), managedFields } };
}

function entry(obj: Obj, manager: string): ManagedFieldsEntry | undefined {
  const list = (obj.metadata as Obj).managedFields as ManagedFieldsEntry[] | undefined;
  return list?.find((e) => e.manager === manager);
}

function owns(obj: Obj, manager: string, p: ReturnType<typeof path>): boolean {
  const e = entry(obj, manager);
  return !!e && FieldSet.fromJSON(e.fieldsV1).has(p);
}

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error("expected a conflict");
}

const REPLICAS = path("spec", "replicas");
const NGINX = ["spec", "template", "spec", "containers", { name: "nginx" }] as const;

Deno.test("applying to nothing creates the object and records one Apply entry", () => {
  const r = apply(undefined, config({ replicas: 3 }), "ci");
  assert.equal(r.changed, true);
  assert.equal((r.object.spec as Any).replicas, 3);
  assert.deepEqual(r.managedFields, [{
    manager: "ci",
    operation: "Apply",
    apiVersion: "apps/v1",
    time: "2024-05-01T10:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } },
          },
        },
      },
    },
  }]);
});

Deno.test("re-applying a change updates the value; re-applying the same keeps the entry time", () => {
  const first = apply(undefined, config({ replicas: 3 }), "ci").object;
  const second = apply(first, config({ replicas: 4 }), "ci", { now: T1 });
  assert.equal((second.object.spec as Any).replicas, 4);
  assert.equal(second.managedFields![0].time, "2024-05-01T10:00:07Z");
  const same = apply(second.object, config({ replicas: 4 }), "ci", { now: new Date() });
  assert.equal(same.changed, false);
  assert.equal(same.managedFields![0].time, "2024-05-01T10:00:07Z");
});

Deno.test("changing a field another manager owns is a 409 naming the field and manager", () => {
  const created = apply(undefined, config({ replicas: 3 }), "ci").object;
  const scaled = update(created, config({ replicas: 5 }), "kubectl-client-side-apply");
  const err = conflictOf(() => apply(scaled, config({ replicas: 3 }), "ci"));
  assert.equal(err.code, 409);
  assert.equal(err.reason, "Conflict");
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
  );
  assert.deepEqual(err.details?.causes, [{
    reason: "FieldManagerConflict",
    message: 'conflict with "kubectl-client-side-apply" using apps/v1',
    field: ".spec.replicas",
  }]);
});

Deno.test("a conflict lists every field, grouped by manager", () => {
  const created = apply(undefined, config({ replicas: 3 }), "a").object;
  const err = conflictOf(() =>
    apply(created, config({ replicas: 4, paused: true }, { app: "other" }), "b")
  );
  assert.equal(
    err.message,
    'Apply failed with 2 conflicts: conflicts with "a":\n- .metadata.labels.app\n- .spec.replicas',
  );
  assert.deepEqual(err.details?.causes?.map((c) => c.field), [
    ".metadata.labels.app",
    ".spec.replicas",
  ]);
});

Deno.test("force takes ownership of the conflicting fields", () => {
  const created = apply(undefined, config({ replicas: 3 }), "ci").object;
  const scaled = update(created, config({ replicas: 5 }), "hpa");
  const forced = apply(scaled, config({ replicas: 3 }), "ci", { force: true }).object;
  assert.equal((forced.spec as Any).replicas, 3);
  assert.ok(owns(forced, "ci", REPLICAS));
  assert.equal(entry(forced, "hpa"), undefined);
});

Deno.test("applying the value another manager set makes both owners, without conflict", () => {
  const created = apply(undefined, config({ replicas: 3 }), "one").object;
  const both = apply(created, config({ replicas: 3 }), "two").object;
  assert.ok(owns(both, "one", REPLICAS));
  assert.ok(owns(both, "two", REPLICAS));
});

Deno.test("fields the applier drops are removed, unless another manager owns them", () => {
  const hostname = path(...NGINX.slice(0, 3), "hostname");
  const withHost = config({ replicas: 3, template: undefined });
  (withHost.spec as Any).template = {
    metadata: { labels: { app: "web" } },
    spec: { hostname: "h", containers: [{ name: "nginx", image: "nginx:1" }] },
  };
  const created = apply(undefined, withHost, "one").object;
  const dropped = apply(created, config({}), "one").object;
  assert.equal((dropped.spec as Any).replicas, undefined);
  assert.equal((dropped.spec as Any).template.spec.hostname, undefined);
  assert.ok(!owns(dropped, "one", hostname));

  const shared = apply(created, withHost, "two").object;
  const kept = apply(shared, config({}), "one").object;
  assert.equal((kept.spec as Any).replicas, 3);
  assert.equal((kept.spec as Any).template.spec.hostname, "h");
  assert.ok(owns(kept, "two", hostname) && !owns(kept, "one", hostname));
});

Deno.test("a value an updater took over stays when the applier drops it", () => {
  const created = apply(undefined, config({ replicas: 3 }), "applier").object;
  const scaled = update(created, config({ replicas: 4 }), "updater");
  const out = apply(scaled, config({}), "applier").object;
  assert.equal((out.spec as Any).replicas, 4);
});

Deno.test("a dropped list item goes even when an updater changed a field inside it", () => {
  const created = apply(undefined, config({}), "applier").object;
  const tweaked = structuredClone(created) as Any;
  tweaked.spec.template.spec.containers[0].workingDir = "/srv";
  const updated = update(created, tweaked, "updater");
  const cfg = config({}) as Any;
  cfg.spec.template.spec.containers = [{ name: "other", image: "o" }];
  const out = apply(updated, cfg, "applier").object as Any;
  assert.deepEqual(out.spec.template.spec.containers, [{ name: "other", image: "o" }]);
});

Deno.test("two appliers merge a list map by key, each owning its own items", () => {
  const created = apply(undefined, config({}), "app").object;
  const sidecar = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { template: { spec: { containers: [{ name: "proxy", image: "envoy" }] } } },
  };
  const both = apply(created, sidecar, "mesh").object as Any;
  assert.deepEqual(both.spec.template.spec.containers.map((c: Any) => c.name), [
    "nginx",
    "proxy",
  ]);
  const proxy = path("spec", "template", "spec", "containers", { name: "proxy" });
  assert.ok(owns(both, "mesh", proxy) && !owns(both, "app", proxy));
  // The first applier re-applying its own configuration leaves the other's item alone.
  const again = apply(both, config({ replicas: 2 }), "app").object as Any;
  assert.equal(again.spec.template.spec.containers.length, 2);
});

Deno.test("status cannot be owned through the main resource; /status owns only status", () => {
  const cfg = { ...config({ replicas: 1 }), status: { replicas: 1 } };
  const r = apply(undefined, cfg, "ci");
  assert.ok(!owns(r.object, "ci", path("status", "replicas")));
  const statusApply = apply(r.object, cfg, "controller", {
    subresource: "status",
    ignore: FieldSet.of(path("apiVersion"), path("kind"), path("metadata"), path("spec")),
  });
  const e = entry(statusApply.object, "controller")!;
  assert.equal(e.subresource, "status");
  assert.deepEqual(e.fieldsV1, { "f:status": { "f:replicas": {} } });
});

Deno.test("a status updater's conflict names its subresource", () => {
  const cfg = { ...config({}), status: { replicas: 1 } };
  const created = apply(undefined, cfg, "ci").object;
  const next = { ...created, status: { replicas: 2 } };
  const updated = update(created, next, "kube-controller-manager", "status");
  const err = conflictOf(() =>
    apply(updated, cfg, "other", {
      subresource: "status",
      ignore: FieldSet.of(path("apiVersion"), path("kind"), path("metadata"), path("spec")),
    })
  );
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "status" using apps/v1: .status.replicas',
  );
});

Deno.test("kubectl takes over client-side apply fields that still hold their applied values", () => {
  const lastApplied = JSON.stringify(config({ replicas: 3 }));
  const csa = config({ replicas: 100 }) as Any;
  csa.metadata.annotations = { [LAST_APPLIED]: lastApplied };
  const live = update({}, csa, "kubectl-client-side-apply");
  // replicas differs from the last-applied value: a real conflict.
  const err = conflictOf(() => apply(live, config({ replicas: 3 }, { app: "new" }), "kubectl"));
  assert.deepEqual(err.details?.causes?.map((c) => c.field), [".spec.replicas"]);
  // Without replicas, the label change is taken over, and the annotation follows the apply.
  const cfg = config({}, { app: "new" });
  const out = apply(live, cfg, "kubectl").object as Any;
  assert.equal(out.metadata.labels.app, "new");
  assert.equal(out.spec.replicas, 100);
  assert.deepEqual(JSON.parse(out.metadata.annotations[LAST_APPLIED]), cfg);
  assert.ok(owns(out, "kubectl", path("metadata", "labels", "app")));
  // Another manager name gets no such pass.
  assert.equal(conflictOf(() => apply(live, cfg, "ci")).code, 409);
});

Deno.test("an apply must match the endpoint's kind and may not set managedFields", () => {
  const wrongKind = { ...config({}), kind: "StatefulSet" };
  const e1 = conflictOf(() => apply(undefined, wrongKind, "ci"));
  assert.equal(e1.code, 400);
  assert.equal(e1.message, "invalid object type: apps/v1, Kind=StatefulSet");
  const withFields = config({}) as Any;
  withFields.metadata.managedFields = [];
  const e2 = conflictOf(() => apply(undefined, withFields, "ci"));
  assert.equal(e2.message, "metadata.managedFields must be nil");
  const noName = config({}) as Any;
  noName.spec.template.spec.containers = [{ image: "x" }];
  const e3 = conflictOf(() => apply(undefined, noName, "ci"));
  assert.equal(e3.code, 500);
  assert.match(e3.message, /^failed to create typed patch object \(default\/web; apps\/v1/);
});
