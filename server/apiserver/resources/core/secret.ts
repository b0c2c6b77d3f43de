/**
 * `secrets`: type Opaque by default, base64 `data` (with `stringData` merged in), the keys each
 * well-known type requires, 1 MiB in total, and `immutable`.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { column } from "./columns.ts";
import {
  base64Size,
  immutableErrors,
  MAX_DATA_SIZE,
  requireBase64,
  validateKeys,
} from "./data_keys.ts";
import { invalidField, obj, required, str } from "./util.ts";

const REQUIRED_KEYS: Record<string, string[]> = {
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
};

function prepare(o: KubeObject): void {
  if (!str(o.type)) o.type = "Opaque";
  requireBase64(o, "data", "Secret");
  const stringData = obj(o.stringData);
  if (stringData) {
    const data = obj(o.data) ?? {};
    for (const [k, v] of Object.entries(stringData)) data[k] = encodeBase64(str(v));
    o.data = data;
    delete o.stringData;
  }
}

function encodeBase64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function decodeBase64(b64: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}

function validate(o: KubeObject): FieldError[] {
  const data = obj(o.data) ?? {};
  const errs = validateKeys(data, "data");
  const type = str(o.type);
  const has = (key: string) => str(data[key]) !== "";
  for (const key of REQUIRED_KEYS[type] ?? []) {
    if (!has(key)) errs.push(required(`data[${key}]`));
  }
  if (type === "kubernetes.io/service-account-token") {
    if (!o.metadata.annotations?.["kubernetes.io/service-account.name"]) {
      errs.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
    }
  }
  if (type === "kubernetes.io/basic-auth" && !has("username") && !has("password")) {
    errs.push(required("data[username]"), required("data[password]"));
  }
  for (const key of [".dockercfg", ".dockerconfigjson"]) {
    if (!has(key) || !REQUIRED_KEYS[type]?.includes(key)) continue;
    try {
      JSON.parse(decodeBase64(str(data[key])));
    } catch (err) {
      errs.push(invalidField(`data[${key}]`, "<secret contents redacted>", (err as Error).message));
    }
  }
  let total = 0;
  for (const v of Object.values(data)) total += base64Size(str(v));
  if (total > MAX_DATA_SIZE) {
    errs.push({
      type: "FieldValueTooLong",
      field: "data",
      detail: `may not be more than ${MAX_DATA_SIZE} bytes`,
    });
  }
  return errs;
}

function validateUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (str(o.type) !== str(old.type)) errs.push(invalidField("type", o.type, "field is immutable"));
  return [...errs, ...immutableErrors(o, old, ["data"])];
}

export function secretResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "Secret",
    plural: "secrets",
    singular: "secret",
    namespaced: true,
    strategy: {
      prepareForCreate: prepare,
      prepareForUpdate: prepare,
      validate,
      validateUpdate,
    },
    columns: [
      column("Type", (o) => str(o.type), {
        description: "Used to facilitate programmatic handling of secret data.",
      }),
      column("Data", (o) => Object.keys(obj(o.data) ?? {}).length, {
        type: "integer",
        description: "Data contains the secret data.",
      }),
    ],
  };
}
