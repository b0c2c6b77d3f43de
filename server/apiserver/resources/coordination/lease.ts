/**
 * `coordination.k8s.io/v1` Leases: the locks behind leader election and node heartbeats.
 * Durations must be positive and transitions non-negative; the coordinated leader election
 * fields (`strategy`, `preferredHolder`) are dropped, as upstream does with its feature gate off.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { invalidField, type Obj, obj } from "../core/util.ts";

/** The fields of the (off by default) coordinated leader election feature. */
const GATED_FIELDS = ["strategy", "preferredHolder"];

function spec(o: KubeObject): Obj {
  return obj(o.spec) ?? {};
}

/** Errors for a lease's spec (upstream's `ValidateLeaseSpec`). */
export function validateLeaseSpec(s: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const duration = s.leaseDurationSeconds;
  if (typeof duration === "number" && duration <= 0) {
    errs.push(invalidField("spec.leaseDurationSeconds", duration, "must be greater than 0"));
  }
  const transitions = s.leaseTransitions;
  if (typeof transitions === "number" && transitions < 0) {
    errs.push(
      invalidField("spec.leaseTransitions", transitions, "must be greater than or equal to 0"),
    );
  }
  return errs;
}

export const leases: ResourceDef = {
  group: "coordination.k8s.io",
  versions: ["v1"],
  kind: "Lease",
  plural: "leases",
  singular: "lease",
  namespaced: true,
  strategy: {
    prepareForCreate(o) {
      const s = obj(o.spec);
      for (const key of GATED_FIELDS) delete s?.[key];
    },
    prepareForUpdate(o, old) {
      const s = obj(o.spec);
      for (const key of GATED_FIELDS) {
        if (spec(old)[key] === undefined) delete s?.[key];
      }
    },
    validate: (o) => validateLeaseSpec(spec(o)),
  },
  columns: [
    {
      name: "Holder",
      type: "string",
      description:
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
      cell: (o) => (typeof spec(o).holderIdentity === "string" ? spec(o).holderIdentity : ""),
    },
  ],
};
