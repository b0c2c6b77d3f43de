/**
 * `configmaps`: config-key syntax for `data` and `binaryData`, 1 MiB in total, and
 * `immutable: true` freezing the contents.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { byteLength } from "../../../../kube/labels_validation.ts";
import type { ResourceDef } from "../../resource.ts";
import { column } from "./columns.ts";
import {
  base64Size,
  immutableErrors,
  MAX_DATA_SIZE,
  requireBase64,
  validateKeys,
} from "./data_keys.ts";
import { invalidField, obj, str } from "./util.ts";

function validate(o: KubeObject): FieldError[] {
  const data = obj(o.data) ?? {};
  const binary = obj(o.binaryData) ?? {};
  const errs = [...validateKeys(data, "data"), ...validateKeys(binary, "binaryData")];
  let total = 0;
  for (const v of Object.values(data)) total += byteLength(str(v));
  for (const [key, v] of Object.entries(binary)) {
    if (key in data) errs.push(invalidField("binaryData", key, "duplicate of key present in data"));
    total += base64Size(str(v));
  }
  if (total > MAX_DATA_SIZE) {
    errs.push({
      type: "FieldValueTooLong",
      field: "",
      detail: `may not be more than ${MAX_DATA_SIZE} bytes`,
    });
  }
  return errs;
}

export function configMapResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "ConfigMap",
    plural: "configmaps",
    singular: "configmap",
    namespaced: true,
    shortNames: ["cm"],
    strategy: {
      prepareForCreate: (o) => requireBase64(o, "binaryData", "ConfigMap"),
      prepareForUpdate: (o) => requireBase64(o, "binaryData", "ConfigMap"),
      validate,
      validateUpdate: (o, old) => immutableErrors(o, old, ["data", "binaryData"]),
    },
    columns: [
      column(
        "Data",
        (o) => Object.keys(obj(o.data) ?? {}).length + Object.keys(obj(o.binaryData) ?? {}).length,
        { type: "integer", description: "Data contains the configuration data." },
      ),
    ],
  };
}
