import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { applyBinding } from "./pod_binding.ts";
import { podQosClass } from "./pod_qos.ts";
import { POD_UPDATE_FORBIDDEN } from "./pod_update.ts";
import { coreDef, create, update } from "./testing.ts";

const pods = coreDef("pods");

function pod(spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec,
    ...extra,
  };
}

Deno.test("pods: a minimal pod gets upstream's defaults and Pending BestEffort status", async () => {
  const p = pod({ containers: [{ name: "c", image: "nginx" }] });
  assert.deepStrictEqual(await create(pods, p), []);
  assert.deepStrictEqual(p.spec, {
    containers: [{
      name: "c",
      image: "nginx",
      imagePullPolicy: "Always",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    }],
    dnsPolicy: "ClusterFirst",
    restartPolicy: "Always",
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    schedulerName: "default-scheduler",
    enableServiceLinks: true,
    priority: 0,
    preemptionPolicy: "PreemptLowerPriority",
  });
  assert.deepStrictEqual(p.status, { phase: "Pending", qosClass: "BestEffort" });
});

Deno.test("pods: requests default to limits", async () => {
  const p = pod({
    containers: [{ name: "c", image: "x:1", resources: { limits: { cpu: "500m" } } }],
  });
  await create(pods, p);
  const c = (p.spec as { containers: { resources: unknown }[] }).containers[0];
  assert.deepStrictEqual(c.resources, { limits: { cpu: "500m" }, requests: { cpu: "500m" } });
});

Deno.test("pods: an invalid pod reports upstream's field paths", async () => {
  const p = pod({
    containers: [{ name: "c", image: "x", ports: [{ containerPort: 0 }] }, { name: "c" }],
    dnsPolicy: "Sometimes",
  });
  const errs = await create(pods, p);
  assert.deepStrictEqual(errs.map((e) => `${e.field}: ${e.type}`), [
    "spec.containers[0].ports[0].containerPort: FieldValueRequired",
    "spec.containers[1].name: FieldValueDuplicate",
    "spec.containers[1].image: FieldValueRequired",
    "spec.dnsPolicy: FieldValueNotSupported",
  ]);
});

Deno.test("pods: an update may change images but not other spec fields", async () => {
  const old = pod({ containers: [{ name: "c", image: "nginx:1" }] });
  await create(pods, old);
  const imageOnly = structuredClone(old);
  (imageOnly.spec as { containers: { image: string }[] }).containers[0].image = "nginx:2";
  assert.deepStrictEqual(await update(pods, imageOnly, old), []);

  const other = structuredClone(old);
  (other.spec as Record<string, unknown>).restartPolicy = "Never";
  assert.deepStrictEqual(await update(pods, other, old), [{
    type: "FieldValueForbidden",
    field: "spec",
    detail: POD_UPDATE_FORBIDDEN,
  }]);
});

Deno.test("pods: tolerations may be added but not removed", async () => {
  const t = { key: "a", operator: "Exists", effect: "NoSchedule" };
  const old = pod({ containers: [{ name: "c", image: "x" }], tolerations: [t] });
  await create(pods, old);
  const added = structuredClone(old);
  (added.spec as Record<string, unknown>).tolerations = [t, { key: "b", operator: "Exists" }];
  assert.deepStrictEqual(await update(pods, added, old), []);
  const removed = structuredClone(old);
  (removed.spec as Record<string, unknown>).tolerations = [];
  assert.deepStrictEqual((await update(pods, removed, old)).map((e) => e.field), [
    "spec.tolerations[0]",
  ]);
});

Deno.test("podQosClass() tells Guaranteed, Burstable and BestEffort apart", () => {
  const res = (requests: unknown, limits: unknown) => ({
    containers: [{ name: "c", image: "x", resources: { requests, limits } }],
  });
  assert.equal(podQosClass({ containers: [{ name: "c" }] }), "BestEffort");
  assert.equal(
    podQosClass(res({ cpu: "1", memory: "1Gi" }, { cpu: "1000m", memory: "1024Mi" })),
    "Guaranteed",
  );
  assert.equal(podQosClass(res({ cpu: "1" }, { cpu: "1" })), "Burstable");
  assert.equal(
    podQosClass(res({ cpu: "500m", memory: "1Gi" }, { cpu: "1", memory: "1Gi" })),
    "Burstable",
  );
});

Deno.test("pods: a pod with only limits is Guaranteed after defaulting", async () => {
  const p = pod({
    containers: [{ name: "c", image: "x", resources: { limits: { cpu: "1", memory: "64Mi" } } }],
  });
  await create(pods, p);
  assert.equal((p.status as { qosClass: string }).qosClass, "Guaranteed");
});

Deno.test("pods: bound pods are deleted gracefully, unbound or finished ones at once", () => {
  const grace = pods.strategy!.gracefulDeletion!;
  const bound = pod({ nodeName: "n1", terminationGracePeriodSeconds: 45 });
  assert.equal(grace(bound, undefined), 45);
  assert.equal(grace(bound, 5), 5);
  assert.equal(grace(bound, 0), null);
  assert.equal(grace(pod({ terminationGracePeriodSeconds: 45 }), undefined), null);
  assert.equal(grace(pod({ nodeName: "n1" }, { status: { phase: "Succeeded" } }), undefined), null);
  assert.equal(grace(pod({ nodeName: "n1", terminationGracePeriodSeconds: -5 }), undefined), 1);
});

Deno.test("applyBinding() sets the node once and refuses a second binding", () => {
  const p = pod({ containers: [] }, { status: { phase: "Pending" } });
  const binding = { metadata: { name: "p" }, target: { kind: "Node", name: "n1" } } as KubeObject;
  const bound = applyBinding(p, binding, new Date("2026-01-01T00:00:00Z"));
  assert.equal((bound.spec as { nodeName: string }).nodeName, "n1");
  assert.deepStrictEqual((bound.status as { conditions: unknown[] }).conditions, [{
    type: "PodScheduled",
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: "2026-01-01T00:00:00Z",
  }]);
  assert.throws(() => applyBinding(bound, binding), (err: Error & { code?: number }) => {
    assert.equal(err.code, 409);
    assert.equal(
      err.message,
      'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"',
    );
    return true;
  });
});

Deno.test("pods: field selectors read spec and status", () => {
  const p = pod({ nodeName: "n1", hostNetwork: true }, {
    status: { phase: "Running", podIPs: [{ ip: "10.42.0.5" }] },
  });
  const f = pods.fields!;
  assert.equal(f["spec.nodeName"](p), "n1");
  assert.equal(f["spec.hostNetwork"](p), "true");
  assert.equal(f["status.phase"](p), "Running");
  assert.equal(f["status.podIP"](p), "10.42.0.5");
});

Deno.test("pods: a binding passes the pod update rules the store applies", async () => {
  const old = pod({ containers: [{ name: "c", image: "x" }] });
  await create(pods, old);
  const bound = applyBinding(
    old,
    { metadata: { name: "p" }, target: { name: "n1" } } as KubeObject,
  );
  assert.deepStrictEqual(await update(pods, bound, old), []);
  assert.equal((bound.spec as { nodeName: string }).nodeName, "n1");
  const conditions =
    (bound.status as { conditions: { type: string; status: string }[] }).conditions;
  assert.deepStrictEqual(conditions.map((c) => [c.type, c.status]), [["PodScheduled", "True"]]);

  const edited = structuredClone(old);
  (edited.spec as Record<string, unknown>).nodeName = "n1";
  assert.deepStrictEqual((await update(pods, edited, old)).map((e) => e.field), ["spec"]);
});
