/**
 * `apps/v1` ControllerRevisions: immutable snapshots of a controller's template that stateful sets
 * and daemon sets roll back to. `data` is required and may not change.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { checkNonNegative, required, str } from "../core/util.ts";
import { AGE_COLUMN, immutable } from "./workload.ts";

function validateRevision(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (o.data === undefined || o.data === null) errs.push(required("data", "data is mandatory"));
  errs.push(...checkNonNegative(o.revision, "revision"));
  return errs;
}

/** `daemonset.apps/name`: the controlling owner as upstream's table prints it, or `<none>`. */
export function controllerOf(o: KubeObject): string {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return "<none>";
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${kind.toLowerCase()}/${ref.name}`;
}

export const controllerRevisions: ResourceDef = {
  group: "apps",
  versions: ["v1"],
  kind: "ControllerRevision",
  plural: "controllerrevisions",
  singular: "controllerrevision",
  namespaced: true,
  strategy: {
    prepareForCreate(o) {
      // revision is not optional on the wire: an absent one reads as 0.
      if (o.revision === undefined || o.revision === null) o.revision = 0;
    },
    prepareForUpdate(o) {
      if (o.revision === undefined || o.revision === null) o.revision = 0;
    },
    validate: validateRevision,
    validateUpdate: (o, old) => immutable("data", o.data, old.data),
  },
  columns: [
    {
      name: "Controller",
      type: "string",
      description: "Controller of the object",
      cell: controllerOf,
    },
    {
      name: "Revision",
      type: "string",
      description: "Revision indicates the revision of the state represented by Data.",
      cell: (o) => (typeof o.revision === "number" ? o.revision : 0),
    },
    AGE_COLUMN,
  ],
};
