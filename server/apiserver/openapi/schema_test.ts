import assert from "node:assert/strict";
import { describedTypes } from "./models.ts";
import { closure, definitionSchema, type Schema } from "./schema.ts";

const types = describedTypes();
const CORE = "io.k8s.api.core.v1.";

function props(name: string, flavor: "v2" | "v3"): Record<string, Schema> {
  return definitionSchema(name, types.get(name)!, flavor).properties as Record<string, Schema>;
}

Deno.test("definitionSchema() wraps a described reference in allOf for v3, beside it for v2", () => {
  const v3 = props("io.k8s.api.apps.v1.DeploymentSpec", "v3");
  assert.deepEqual(v3.strategy.allOf, [{
    $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy",
  }]);
  assert.equal(v3.strategy["x-kubernetes-patch-strategy"], "retainKeys");
  const v2 = props("io.k8s.api.apps.v1.DeploymentSpec", "v2");
  assert.equal(v2.strategy.$ref, "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy");
  assert.match(String(v2.strategy.description), /deployment strategy/);
  assert.deepEqual(
    definitionSchema(
      "io.k8s.api.apps.v1.DeploymentSpec",
      types.get("io.k8s.api.apps.v1.DeploymentSpec")!,
      "v2",
    ).required,
    ["selector", "template"],
  );
});

Deno.test("definitionSchema() adds list types and patch metadata", () => {
  const pod = props(`${CORE}PodSpec`, "v3");
  assert.equal(pod.containers["x-kubernetes-list-type"], "map");
  assert.deepEqual(pod.containers["x-kubernetes-list-map-keys"], ["name"]);
  assert.equal(pod.containers["x-kubernetes-patch-merge-key"], "name");
  assert.equal(pod.containers["x-kubernetes-patch-strategy"], "merge");
  assert.deepEqual(pod.containers.items, { $ref: `#/components/schemas/${CORE}Container` });
  assert.equal(pod.nodeSelector["x-kubernetes-map-type"], "atomic");
  const container = props(`${CORE}Container`, "v2");
  assert.deepEqual(container.ports["x-kubernetes-list-map-keys"], ["containerPort", "protocol"]);
  assert.equal(container.ports["x-kubernetes-patch-merge-key"], "containerPort");
  const meta = props("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "v2");
  assert.equal(meta.finalizers["x-kubernetes-list-type"], "set");
  assert.equal(meta.finalizers["x-kubernetes-patch-strategy"], "merge");
  const status = props("io.k8s.api.apps.v1.DeploymentStatus", "v3");
  assert.deepEqual(status.conditions["x-kubernetes-list-map-keys"], ["type"]);
});

Deno.test("definitionSchema() writes the hand-made scalar types as upstream", () => {
  const ios = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
  const v2 = definitionSchema(ios, types.get(ios)!, "v2");
  assert.equal(v2.format, "int-or-string");
  assert.equal(v2.type, "string");
  const v3 = definitionSchema(ios, types.get(ios)!, "v3");
  assert.equal(v3["x-kubernetes-int-or-string"], true);
  const selector = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector";
  assert.equal(
    definitionSchema(selector, types.get(selector)!, "v3")["x-kubernetes-map-type"],
    "atomic",
  );
  const limits = props(`${CORE}ResourceRequirements`, "v2").limits;
  assert.deepEqual(limits.additionalProperties, {
    $ref: "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity",
  });
});

Deno.test("closure() collects every definition a kind reaches", () => {
  const names = closure(types, ["io.k8s.api.apps.v1.Deployment"]);
  for (
    const n of [
      "io.k8s.api.apps.v1.DeploymentSpec",
      `${CORE}PodSpec`,
      `${CORE}Container`,
      "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    ]
  ) assert.ok(names.includes(n), n);
  assert.ok(!names.includes("io.k8s.api.batch.v1.Job"));
});
