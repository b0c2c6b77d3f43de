/**
 * `flowcontrol.apiserver.k8s.io/v1` PriorityLevelConfigurations: the concurrency shares and
 * queuing of one API Priority and Fairness level. Upstream's v1 defaults (30 nominal shares,
 * nothing lendable, 64 queues of hand size 8 and length 50) and validation.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, defaultUnset, specOf, specView } from "../apps/workload.ts";
import {
  checkEnum,
  forbiddenField,
  inclusiveRange,
  invalidField,
  type Obj,
  obj,
  required,
  str,
} from "../core/util.ts";

const TYPES = ["Exempt", "Limited"];
const RESPONSE_TYPES = ["Queue", "Reject"];

/** Upstream's v1 `SetDefaults_PriorityLevelConfiguration` and `SetDefaults_QueuingConfiguration`. */
export function defaultPriorityLevel(o: KubeObject): void {
  const spec = specOf(o);
  if (spec.type === "Exempt") {
    if (!obj(spec.exempt)) spec.exempt = {};
    const exempt = spec.exempt as Obj;
    defaultUnset(exempt, "nominalConcurrencyShares", 0);
    defaultUnset(exempt, "lendablePercent", 0);
  }
  const limited = obj(spec.limited);
  if (!limited) return;
  defaultUnset(limited, "nominalConcurrencyShares", 30);
  defaultUnset(limited, "lendablePercent", 0);
  const queuing = obj(obj(limited.limitResponse)?.queuing);
  if (queuing) {
    if (!queuing.handSize) queuing.handSize = 8;
    if (!queuing.queues) queuing.queues = 64;
    if (!queuing.queueLengthLimit) queuing.queueLengthLimit = 50;
  }
}

function percent(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === "number" && value >= 0 && value <= 100
    ? []
    : [invalidField(field, value, inclusiveRange(0, 100))];
}

function nonNegative(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === "number" && value >= 0
    ? []
    : [invalidField(field, value, "must be a non-negative integer")];
}

function validateQueuing(q: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ["queues", "handSize", "queueLengthLimit"]) {
    const v = q[key];
    if (typeof v !== "number" || v <= 0) {
      errs.push(invalidField(`${path}.${key}`, v ?? 0, "must be positive"));
    }
  }
  if (typeof q.handSize === "number" && typeof q.queues === "number" && q.handSize > q.queues) {
    errs.push(
      invalidField(
        `${path}.handSize`,
        q.handSize,
        `should not be greater than queues (${q.queues})`,
      ),
    );
  }
  return errs;
}

/** Errors for a priority level's spec (upstream's `ValidatePriorityLevelConfigurationSpec`). */
export function validatePriorityLevelSpec(spec: Obj): FieldError[] {
  const errs = checkEnum(spec.type, TYPES, "spec.type");
  const limited = obj(spec.limited), exempt = obj(spec.exempt);
  if (spec.type === "Exempt") {
    if (limited) {
      errs.push(forbiddenField("spec.limited", "must be nil if the type is not Limited"));
    }
    if (exempt) {
      errs.push(
        ...nonNegative(exempt.nominalConcurrencyShares, "spec.exempt.nominalConcurrencyShares"),
      );
      errs.push(...percent(exempt.lendablePercent, "spec.exempt.lendablePercent"));
    }
  } else if (spec.type === "Limited") {
    if (exempt) errs.push(forbiddenField("spec.exempt", "must be nil if the type is Limited"));
    if (!limited) errs.push(required("spec.limited", "must not be empty when type is Limited"));
    else {
      errs.push(
        ...nonNegative(limited.nominalConcurrencyShares, "spec.limited.nominalConcurrencyShares"),
      );
      errs.push(...percent(limited.lendablePercent, "spec.limited.lendablePercent"));
      errs.push(
        ...nonNegative(limited.borrowingLimitPercent, "spec.limited.borrowingLimitPercent"),
      );
      const response = obj(limited.limitResponse) ?? {};
      const path = "spec.limited.limitResponse";
      errs.push(...checkEnum(response.type, RESPONSE_TYPES, `${path}.type`));
      const queuing = obj(response.queuing);
      if (response.type === "Queue") {
        if (!queuing) {
          errs.push(required(`${path}.queuing`, "must not be empty if the type is Queue"));
        } else errs.push(...validateQueuing(queuing, `${path}.queuing`));
      } else if (response.type === "Reject" && queuing) {
        errs.push(
          forbiddenField(
            `${path}.queuing`,
            "must be nil if limited.limitResponse.type is not Limited",
          ),
        );
      }
    }
  }
  return errs;
}

/** A number, or `<none>` when the level does not queue. */
function cell(o: KubeObject, pick: (limited: Obj) => unknown): unknown {
  const limited = obj(specView(o).limited);
  const v = limited ? pick(limited) : undefined;
  return v === undefined || v === null ? "<none>" : v;
}

const queuing = (l: Obj) => obj(obj(l.limitResponse)?.queuing);

export const priorityLevelConfigurations: ResourceDef = {
  group: "flowcontrol.apiserver.k8s.io",
  versions: ["v1"],
  kind: "PriorityLevelConfiguration",
  plural: "prioritylevelconfigurations",
  singular: "prioritylevelconfiguration",
  namespaced: false,
  pathSegmentName: true,
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {};
      defaultPriorityLevel(o);
    },
    prepareForUpdate: defaultPriorityLevel,
    validate: (o) => validatePriorityLevelSpec(specView(o)),
  },
  columns: [
    {
      name: "Type",
      type: "string",
      description:
        '`type` indicates whether this priority level is subject to limitation on request execution.  A value of `"Exempt"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `"Limited"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server\'s limited capacity is made available exclusively to this priority level. Required.',
      cell: (o) => str(specView(o).type),
    },
    {
      name: "NominalConcurrencyShares",
      type: "string",
      description:
        "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.",
      cell: (o) => cell(o, (l) => l.nominalConcurrencyShares),
    },
    {
      name: "Queues",
      type: "string",
      description: "`queues` is the number of queues for this priority level.",
      cell: (o) => cell(o, (l) => queuing(l)?.queues),
    },
    {
      name: "HandSize",
      type: "string",
      description:
        "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.",
      cell: (o) => cell(o, (l) => queuing(l)?.handSize),
    },
    {
      name: "QueueLengthLimit",
      type: "string",
      description:
        "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.",
      cell: (o) => cell(o, (l) => queuing(l)?.queueLengthLimit),
    },
    AGE_COLUMN,
  ],
};
