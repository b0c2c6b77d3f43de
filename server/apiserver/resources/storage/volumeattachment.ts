/**
 * `storage.k8s.io/v1` VolumeAttachments: a request to attach a volume to a node, written by the
 * attach/detach controller and answered in `status` by the CSI external attacher. The spec never
 * changes once written.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain } from "../../../../kube/labels.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, specView, statusView } from "../apps/workload.ts";
import { forbiddenField, invalidField, obj, required, str } from "../core/util.ts";
import { validateCsiDriverName } from "./csi.ts";

/** Errors for a volume attachment (upstream's `ValidateVolumeAttachment`, CSI attachers). */
export function validateVolumeAttachment(o: KubeObject): FieldError[] {
  const spec = specView(o);
  const errs = validateCsiDriverName(spec.attacher, "spec.attacher");
  const node = spec.nodeName;
  if (typeof node !== "string" || node === "") errs.push(required("spec.nodeName"));
  else {for (const msg of isDNS1123Subdomain(node)) {
      errs.push(invalidField("spec.nodeName", node, msg));
    }}
  const source = obj(spec.source) ?? {};
  const pv = source.persistentVolumeName;
  const count = (typeof pv === "string" ? 1 : 0) + (obj(source.inlineVolumeSpec) ? 1 : 0);
  if (count === 0) {
    errs.push(
      required(
        "spec.source",
        "must specify exactly one of inlineVolumeSpec and persistentVolumeName",
      ),
    );
  } else if (count > 1) {
    errs.push(
      forbiddenField(
        "spec.source",
        "must specify exactly one of inlineVolumeSpec and persistentVolumeName",
      ),
    );
  }
  if (typeof pv === "string") {
    if (pv === "") {
      errs.push(
        required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"),
      );
    }
    for (const msg of pv ? isDNS1123Subdomain(pv) : []) {
      errs.push(invalidField("spec.source.persistentVolumeName", pv, msg));
    }
  }
  return errs;
}

export const volumeAttachments: ResourceDef = {
  group: "storage.k8s.io",
  versions: ["v1"],
  kind: "VolumeAttachment",
  plural: "volumeattachments",
  singular: "volumeattachment",
  namespaced: false,
  status: true,
  strategy: {
    prepareForCreate(o) {
      o.status = { attached: false };
    },
    validate: validateVolumeAttachment,
    validateUpdate: (o, old) =>
      deepEqual(o.spec, old.spec)
        ? []
        : [invalidField("spec", o.spec ?? null, "field is immutable")],
  },
  columns: [
    {
      name: "Attacher",
      type: "string",
      format: "name",
      description:
        "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().",
      cell: (o) => str(specView(o).attacher),
    },
    {
      name: "PV",
      type: "string",
      description: "persistentVolumeName represents the name of the persistent volume to attach.",
      cell: (o) => str(obj(specView(o).source)?.persistentVolumeName),
    },
    {
      name: "Node",
      type: "string",
      description: "nodeName represents the node that the volume should be attached to.",
      cell: (o) => str(specView(o).nodeName),
    },
    {
      name: "Attached",
      type: "boolean",
      description:
        "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.",
      cell: (o) => statusView(o).attached === true,
    },
    AGE_COLUMN,
  ],
};
