import assert from "node:assert/strict";
import { builtinTypes, decodeTypes, describedTypes } from "./models.ts";

Deno.test("builtinTypes() decodes once and keeps the registry, without descriptions", () => {
  assert(builtinTypes() === builtinTypes());
  const spec = builtinTypes().get("io.k8s.api.apps.v1.DeploymentSpec")!;
  assert.deepEqual(spec.p.replicas, ["int32"]);
  assert.equal(spec.d, undefined);
  assert.deepEqual(spec.r?.sort(), ["selector", "template"]);
});

Deno.test("describedTypes() has the descriptions the OpenAPI documents show", () => {
  const spec = describedTypes().get("io.k8s.api.apps.v1.DeploymentSpec")!;
  assert(spec.p.replicas[1]?.startsWith("Number of desired pods"));
  assert(describedTypes().get("io.k8s.api.core.v1.Pod")!.d?.startsWith("Pod is a collection"));
});

Deno.test("TypeRegistry maps client-node models to upstream definition names", () => {
  const types = decodeTypes();
  const spec = types.get("io.k8s.api.core.v1.PodSpec")!;
  assert.deepEqual(spec.p.containers[0], "[]io.k8s.api.core.v1.Container");
  assert.deepEqual(spec.r, ["containers"]);
  assert.deepEqual(types.get("io.k8s.api.apps.v1.DeploymentSpec")!.r?.sort(), [
    "selector",
    "template",
  ]);
  assert.deepEqual(
    types.get("io.k8s.api.apps.v1.DeploymentSpec")!.p.selector[0],
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
  );
  assert.deepEqual(
    types.get("io.k8s.api.core.v1.Event")!.p.eventTime[0],
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
  );
  assert(types.get("io.k8s.api.events.v1.Event"));
  assert(types.get("io.k8s.api.autoscaling.v1.Scale"));
  assert(types.get("io.k8s.api.policy.v1.Eviction"));
});

Deno.test("TypeRegistry types Quantity, IntOrString, Time and raw fields as upstream", () => {
  const types = decodeTypes();
  const quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
  assert.deepEqual(
    types.get("io.k8s.api.core.v1.ResourceRequirements")!.p.limits[0],
    `{}${quantity}`,
  );
  assert.deepEqual(types.get("io.k8s.api.core.v1.EmptyDirVolumeSource")!.p.sizeLimit[0], quantity);
  assert.deepEqual(
    types.get("io.k8s.api.apps.v1.RollingUpdateDeployment")!.p.maxSurge[0],
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
  );
  assert.deepEqual(
    types.get("io.k8s.api.apps.v1.ControllerRevision")!.p.data[0],
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
  );
  assert.deepEqual(types.get(quantity)!.t, "Q");
  assert.deepEqual(
    types.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")!.p.creationTimestamp[0],
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
  );
});

Deno.test("TypeRegistry keeps field descriptions, including those of referenced types", () => {
  const types = decodeTypes();
  const spec = types.get("io.k8s.api.apps.v1.DeploymentSpec")!;
  assert(spec.p.strategy[1]?.startsWith("The deployment strategy to use"));
  assert(spec.p.replicas[1]?.startsWith("Number of desired pods"));
  const rolling = types.get("io.k8s.api.apps.v1.RollingUpdateDeployment")!;
  assert(rolling.p.maxSurge[1]?.startsWith("The maximum number of pods"));
});

Deno.test("TypeRegistry.kindDefinition() resolves built-in kinds by group", () => {
  const types = decodeTypes();
  assert.deepEqual(
    types.kindDefinition("apps", "v1", "Deployment"),
    "io.k8s.api.apps.v1.Deployment",
  );
  assert.deepEqual(types.kindDefinition("", "v1", "Event"), "io.k8s.api.core.v1.Event");
  assert.deepEqual(
    types.kindDefinition("events.k8s.io", "v1", "Event"),
    "io.k8s.api.events.v1.Event",
  );
  assert.deepEqual(types.kindDefinition("example.com", "v1", "Widget"), undefined);
  assert.deepEqual(types.kindDefinition("apps", "v1", "Nothing"), undefined);
});
