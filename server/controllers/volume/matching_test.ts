import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../kube/client/mod.ts";
import { claimClass, findMatchingVolume, isVolumeBoundToClaim, unsatisfiedBy } from "./matching.ts";

function pv(
  name: string,
  size: string,
  extra: Partial<NonNullable<PersistentVolume["spec"]>> = {},
  labels?: Record<string, string>,
  phase = "Available",
): PersistentVolume {
  return {
    metadata: { name, labels },
    spec: {
      capacity: { storage: size },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      volumeMode: "Filesystem",
      ...extra,
    },
    status: { phase },
  };
}

function pvc(
  size: string,
  extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {},
): PersistentVolumeClaim {
  return {
    metadata: { name: "data", namespace: "ns", uid: "u1" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: size } },
      volumeMode: "Filesystem",
      ...extra,
    },
  };
}

const names = (v: PersistentVolume | undefined) => v?.metadata.name;

Deno.test("findMatchingVolume() picks the smallest available volume that is big enough", () => {
  const volumes = [pv("big", "10Gi"), pv("small", "500Mi"), pv("fits", "2Gi"), pv("exact", "1Gi")];
  assert.equal(names(findMatchingVolume(pvc("1Gi"), volumes, false)), "exact");
  assert.equal(names(findMatchingVolume(pvc("1500Mi"), volumes, false)), "fits");
  assert.equal(findMatchingVolume(pvc("20Gi"), volumes, false), undefined);
});

Deno.test("findMatchingVolume() requires the claim's class, access modes and volume mode", () => {
  const claim = pvc("1Gi", { storageClassName: "fast", accessModes: ["ReadWriteMany"] });
  const volumes = [
    pv("other-class", "1Gi", { storageClassName: "slow", accessModes: ["ReadWriteMany"] }),
    pv("no-class", "1Gi", { accessModes: ["ReadWriteMany"] }),
    pv("rwo", "1Gi", { storageClassName: "fast" }),
    pv("block", "1Gi", {
      storageClassName: "fast",
      accessModes: ["ReadWriteMany"],
      volumeMode: "Block",
    }),
  ];
  assert.equal(findMatchingVolume(claim, volumes, false), undefined);
  const ok = pv("ok", "5Gi", {
    storageClassName: "fast",
    accessModes: ["ReadWriteOnce", "ReadWriteMany"],
  });
  assert.equal(names(findMatchingVolume(claim, [...volumes, ok], false)), "ok");
  // A claim without a class only takes volumes without one.
  assert.equal(
    names(findMatchingVolume(pvc("1Gi", { accessModes: ["ReadWriteMany"] }), volumes, false)),
    "no-class",
  );
});

Deno.test("findMatchingVolume() skips claimed, unavailable and deleting volumes", () => {
  const claimed = pv("claimed", "1Gi", { claimRef: { namespace: "ns", name: "other", uid: "u2" } });
  const released = pv("released", "1Gi", {}, undefined, "Released");
  const pending = pv("pending", "1Gi", {}, undefined, "Pending");
  const deleting = pv("deleting", "1Gi");
  deleting.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
  assert.equal(
    findMatchingVolume(pvc("1Gi"), [claimed, released, pending, deleting], false),
    undefined,
  );
});

Deno.test("findMatchingVolume() applies the claim's selector to volume labels", () => {
  const volumes = [pv("a", "1Gi", {}, { tier: "a" }), pv("b", "2Gi", {}, { tier: "b" })];
  const claim = pvc("1Gi", { selector: { matchLabels: { tier: "b" } } });
  assert.equal(names(findMatchingVolume(claim, volumes, false)), "b");
  const none = pvc("1Gi", {
    selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["c"] }] },
  });
  assert.equal(findMatchingVolume(none, volumes, false), undefined);
});

Deno.test("findMatchingVolume() prefers a volume pre-bound to the claim, even when delayed", () => {
  const free = pv("free", "1Gi");
  const reserved = pv("reserved", "8Gi", { claimRef: { namespace: "ns", name: "data" } }, {}, "");
  assert.equal(names(findMatchingVolume(pvc("1Gi"), [free, reserved], false)), "reserved");
  // WaitForFirstConsumer: the scheduler picks free volumes, only a pre-bound one is taken.
  assert.equal(names(findMatchingVolume(pvc("1Gi"), [free, reserved], true)), "reserved");
  assert.equal(findMatchingVolume(pvc("1Gi"), [free], true), undefined);
  // A claimRef with another uid is someone else's claim of the same name.
  const stale = pv("stale", "1Gi", { claimRef: { namespace: "ns", name: "data", uid: "old" } });
  assert.equal(findMatchingVolume(pvc("1Gi"), [stale], true), undefined);
});

Deno.test("isVolumeBoundToClaim() compares name, namespace and a uid when set", () => {
  const claim = pvc("1Gi");
  assert.ok(
    isVolumeBoundToClaim(pv("v", "1Gi", { claimRef: { namespace: "ns", name: "data" } }), claim),
  );
  assert.ok(
    isVolumeBoundToClaim(
      pv("v", "1Gi", { claimRef: { namespace: "ns", name: "data", uid: "u1" } }),
      claim,
    ),
  );
  assert.ok(
    !isVolumeBoundToClaim(pv("v", "1Gi", { claimRef: { namespace: "x", name: "data" } }), claim),
  );
  assert.ok(!isVolumeBoundToClaim(pv("v", "1Gi"), claim));
});

Deno.test("unsatisfiedBy() names why a requested volume does not fit", () => {
  assert.equal(unsatisfiedBy(pv("v", "1Gi"), pvc("1Gi")), undefined);
  assert.equal(unsatisfiedBy(pv("v", "1Gi"), pvc("2Gi")), "requested PV is too small");
  assert.equal(
    unsatisfiedBy(pv("v", "1Gi", { storageClassName: "x" }), pvc("1Gi")),
    "storageClassName does not match",
  );
  assert.equal(
    unsatisfiedBy(pv("v", "1Gi", { volumeMode: "Block" }), pvc("1Gi")),
    "incompatible volumeMode",
  );
  assert.equal(
    unsatisfiedBy(pv("v", "1Gi"), pvc("1Gi", { accessModes: ["ReadOnlyMany"] })),
    "incompatible accessMode",
  );
});

Deno.test("claimClass() prefers the beta annotation over spec.storageClassName", () => {
  const claim = pvc("1Gi", { storageClassName: "spec" });
  assert.equal(claimClass(claim), "spec");
  claim.metadata.annotations = { "volume.beta.kubernetes.io/storage-class": "beta" };
  assert.equal(claimClass(claim), "beta");
  assert.equal(claimClass(pvc("1Gi")), "");
});
