/**
 * Validation of `spec.volumes`: names unique DNS-1123 labels, exactly one source each, and the
 * required fields of the common sources.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Label } from "../../../../kube/labels_validation.ts";
import { VOLUME_SOURCE_FIELDS } from "./pod_spec_defaults.ts";
import {
  checkEnum,
  forbiddenField,
  invalidField,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "./util.ts";

const HOST_PATH_TYPES = [
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice",
];

/** Errors for a volume list at `path`, and the names of the valid volumes. */
export function validateVolumes(
  list: unknown,
  path: string,
): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(list).forEach((v, i) => {
    const p = `${path}[${i}]`;
    const own = validateSource(v, p);
    const name = str(v.name);
    if (!name) own.push(required(`${p}.name`));
    else for (const d of isDNS1123Label(name)) own.push(invalidField(`${p}.name`, name, d));
    if (names.has(name)) own.push({ type: "FieldValueDuplicate", field: `${p}.name`, value: name });
    if (own.length === 0) names.add(name);
    errs.push(...own);
  });
  return { errs, names };
}

function validateSource(v: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const present = VOLUME_SOURCE_FIELDS.filter((k) => v[k] !== undefined && v[k] !== null);
  if (present.length === 0) return [required(p, "must specify a volume type")];
  for (const extra of present.slice(1)) {
    errs.push(forbiddenField(`${p}.${extra}`, "may not specify more than 1 volume type"));
  }
  const hostPath = obj(v.hostPath);
  if (hostPath) {
    if (!str(hostPath.path)) errs.push(required(`${p}.hostPath.path`));
    errs.push(...checkEnum(hostPath.type ?? "", HOST_PATH_TYPES, `${p}.hostPath.type`, false));
  }
  const secret = obj(v.secret);
  if (secret) {
    if (!str(secret.secretName)) errs.push(required(`${p}.secret.secretName`));
    errs.push(...modeErrors(secret.defaultMode, `${p}.secret.defaultMode`));
  }
  const configMap = obj(v.configMap);
  if (configMap) {
    if (!str(configMap.name)) errs.push(required(`${p}.configMap.name`));
    errs.push(...modeErrors(configMap.defaultMode, `${p}.configMap.defaultMode`));
  }
  const pvc = obj(v.persistentVolumeClaim);
  if (pvc && !str(pvc.claimName)) errs.push(required(`${p}.persistentVolumeClaim.claimName`));
  const nfs = obj(v.nfs);
  if (nfs) {
    if (!str(nfs.server)) errs.push(required(`${p}.nfs.server`));
    if (!str(nfs.path)) errs.push(required(`${p}.nfs.path`));
  }
  return errs;
}

function modeErrors(mode: unknown, field: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  if (typeof mode === "number" && Number.isInteger(mode) && mode >= 0 && mode <= 0o777) return [];
  return [invalidField(field, mode, "must be a number between 0 and 0777 (octal), both inclusive")];
}
