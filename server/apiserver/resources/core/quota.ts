/**
 * `limitranges` and `resourcequotas`: resource lists validated as quantities, LimitRange
 * container defaults, and the quota REQUEST / LIMIT columns.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, column, field } from "./columns.ts";
import { canonicalizeResourceList, toQuantity } from "./quantity.ts";
import { checkEnum, invalidField, obj, objs } from "./util.ts";

const LIMIT_TYPES = ["Container", "PersistentVolumeClaim", "Pod"];
const LIMIT_LISTS = ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"];

/** Errors for each quantity of a resource list at `path` (`path[name]`). */
export function validateResourceList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, v] of Object.entries(obj(list) ?? {})) {
    const q = toQuantity(v);
    if (!q) errs.push(invalidField(`${path}[${name}]`, v, "must be a valid quantity"));
    else if (q.sign() < 0) {
      errs.push(
        invalidField(`${path}[${name}]`, q.toString(), "must be greater than or equal to 0"),
      );
    }
  }
  return errs;
}

function prepareLimitRange(o: KubeObject): void {
  for (const item of objs(field(o, "spec").limits)) {
    for (const key of LIMIT_LISTS) canonicalizeResourceList(item[key]);
    if (item.type !== "Container") continue;
    const def = obj(item.default) ?? {};
    const req = obj(item.defaultRequest) ?? {};
    for (const [k, v] of Object.entries(obj(item.max) ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(obj(item.min) ?? {})) if (!(k in req)) req[k] = v;
    item.default = def;
    item.defaultRequest = req;
  }
}

function validateLimitRange(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(field(o, "spec").limits).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    errs.push(...checkEnum(item.type, LIMIT_TYPES, `${p}.type`));
    for (const key of LIMIT_LISTS) errs.push(...validateResourceList(item[key], `${p}.${key}`));
    const min = obj(item.min) ?? {};
    for (const [k, v] of Object.entries(obj(item.max) ?? {})) {
      const lo = toQuantity(min[k]);
      const hi = toQuantity(v);
      if (lo && hi && lo.cmp(hi) > 0) {
        errs.push(
          invalidField(
            `${p}.min[${k}]`,
            lo.toString(),
            `min value ${lo} is greater than max value ${hi}`,
          ),
        );
      }
    }
  });
  return errs;
}

export function limitRangeResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "LimitRange",
    plural: "limitranges",
    singular: "limitrange",
    namespaced: true,
    shortNames: ["limits"],
    strategy: {
      prepareForCreate: prepareLimitRange,
      prepareForUpdate: prepareLimitRange,
      validate: validateLimitRange,
    },
    columns: [
      column("Created At", (o) => o.metadata.creationTimestamp ?? "", {
        type: "date",
        description:
          "CreationTimestamp is a timestamp representing the server time when this object was created.",
      }),
    ],
  };
}

/** Upstream's quota REQUEST or LIMIT cell: `cpu: 100m/1, pods: 2/10`. */
export function quotaCell(o: KubeObject, limits: boolean): string {
  const hard = field(field(o, "status"), "hard");
  const used = field(field(o, "status"), "used");
  const names = Object.keys(field(o, "spec").hard ?? {}).sort();
  const parts: string[] = [];
  for (const name of names) {
    const isLimit = name.split(".").length > 1 && name.split(".")[0] === "limits";
    if (isLimit !== limits) continue;
    const u = toQuantity(used[name])?.toString() ?? "0";
    const h = toQuantity(hard[name])?.toString() ?? "0";
    parts.push(`${name}: ${u}/${h}`);
  }
  return parts.join(", ");
}

function prepareQuota(o: KubeObject): void {
  canonicalizeResourceList(field(o, "spec").hard);
}

export function resourceQuotaResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "ResourceQuota",
    plural: "resourcequotas",
    singular: "resourcequota",
    namespaced: true,
    shortNames: ["quota"],
    status: true,
    strategy: {
      prepareForCreate(o) {
        o.status = {};
        prepareQuota(o);
      },
      prepareForUpdate: prepareQuota,
      validate: (o) => validateResourceList(field(o, "spec").hard, "spec.hard"),
    },
    columns: [
      AGE_COLUMN,
      column("Request", (o) => quotaCell(o, false), {
        description:
          "Request represents a minimum amount of cpu/memory that a container may consume.",
      }),
      column("Limit", (o) => quotaCell(o, true), {
        description:
          "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
      }),
    ],
  };
}
