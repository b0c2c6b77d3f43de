/**
 * Generates `server/apiserver/openapi/generated/models.ts`: every stable (GA) Kubernetes model
 * type with its description, properties (JSON name, type, description) and required fields,
 * derived from `@kubernetes/client-node` (its `attributeTypeMap` in `dist/gen/models/*.js` and
 * the doc comments and optional markers in the `.d.ts` files), renamed to upstream's definition
 * names (`io.k8s.api.core.v1.PodSpec`). What the package does not carry (Quantity fields, the
 * few untyped fields, hand-written scalar types, the Go package of each model) is declared here
 * as data. client-node's .d.ts has no description for a field whose type is another model (and
 * gives IntOrString fields the type's text): those come from `kubernetes-types`' doc comments.
 * The output is brotli-compressed JSON in base64, decoded by the server on first use.
 *
 * Run by a developer (needs npm and the registry):
 *   deno run -A scripts/gen_openapi.ts [--compare upstream-swagger.json]
 * `--compare` reports where the result differs from an upstream `swagger.json` (not committed).
 *
 * @module
 */
import { brotliCompressSync, constants } from "node:zlib";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const PACKAGE = "@kubernetes/client-node@2.0.1";
/** Fills in field descriptions client-node drops (fields typed by another model). */
const DOCS_PACKAGE = "kubernetes-types@1.30.0";
const OUT = join(
  dirname(dirname(new URL(import.meta.url).pathname)),
  "server/apiserver/openapi/generated/models.ts",
);

// ---------------------------------------------------------------------------------------------
// Data: what the package does not say.

/** Go package (definition name prefix, without version) of each API group. */
export const GROUP_PACKAGES: Record<string, string> = {
  "": "io.k8s.api.core",
  "admissionregistration.k8s.io": "io.k8s.api.admissionregistration",
  "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
  "apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration",
  apps: "io.k8s.api.apps",
  "authentication.k8s.io": "io.k8s.api.authentication",
  "authorization.k8s.io": "io.k8s.api.authorization",
  autoscaling: "io.k8s.api.autoscaling",
  batch: "io.k8s.api.batch",
  "certificates.k8s.io": "io.k8s.api.certificates",
  "coordination.k8s.io": "io.k8s.api.coordination",
  "discovery.k8s.io": "io.k8s.api.discovery",
  "events.k8s.io": "io.k8s.api.events",
  "flowcontrol.apiserver.k8s.io": "io.k8s.api.flowcontrol",
  "internal.apiserver.k8s.io": "io.k8s.api.apiserverinternal",
  "networking.k8s.io": "io.k8s.api.networking",
  "node.k8s.io": "io.k8s.api.node",
  policy: "io.k8s.api.policy",
  "rbac.authorization.k8s.io": "io.k8s.api.rbac",
  "resource.k8s.io": "io.k8s.api.resource",
  "scheduling.k8s.io": "io.k8s.api.scheduling",
  "storage.k8s.io": "io.k8s.api.storage",
  "storagemigration.k8s.io": "io.k8s.api.storagemigration",
};

const META = "io.k8s.apimachinery.pkg.apis.meta";

/** Types of `metav1` (client-node names them like any `V1` type). */
const META_TYPES = [
  "APIGroup",
  "APIGroupList",
  "APIResource",
  "APIResourceList",
  "APIVersions",
  "Condition",
  "DeleteOptions",
  "FieldSelectorRequirement",
  "GroupResource",
  "GroupVersionForDiscovery",
  "LabelSelector",
  "LabelSelectorRequirement",
  "ListMeta",
  "ManagedFieldsEntry",
  "ObjectMeta",
  "OwnerReference",
  "Preconditions",
  "ServerAddressByClientCIDR",
  "ShardInfo",
  "Status",
  "StatusCause",
  "StatusDetails",
  "WatchEvent",
];

/**
 * Models whose Go package is not the first API group (core first, then alphabetical) whose
 * kinds reach them: client-node model name to group.
 */
const PACKAGE_OVERRIDES: Record<string, string> = {
  V1BoundObjectReference: "authentication.k8s.io",
  V1Eviction: "policy",
  V1Scale: "autoscaling",
  V1ScaleSpec: "autoscaling",
  V1ScaleStatus: "autoscaling",
  V1TokenRequestSpec: "authentication.k8s.io",
  V1TokenRequestStatus: "authentication.k8s.io",
  V1TopologySelectorLabelRequirement: "",
  V1TopologySelectorTerm: "",
};

/** Types written by hand: scalars with custom JSON forms, and the open JSON types. */
const SCALARS: Record<string, Model> = {
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    d: "Quantity is a fixed-point representation of a number: a serialized form such as " +
      '"100m", "1.5Gi" or "2e3", or a plain number.',
    t: "Q",
    p: {},
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    d: "IntOrString is a type that can hold an int32 or a string.",
    t: "I",
    p: {},
  },
  [`${META}.v1.Time`]: {
    d: "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON " +
      "(RFC 3339, in seconds).",
    t: "T",
    p: {},
  },
  [`${META}.v1.MicroTime`]: {
    d: "MicroTime is version of Time with microsecond level precision.",
    t: "M",
    p: {},
  },
  [`${META}.v1.FieldsV1`]: {
    d: "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.",
    t: "O",
    p: {},
  },
  [`${META}.v1.Patch`]: {
    d: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
    t: "O",
    p: {},
  },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": {
    d: "RawExtension is used to hold extensions in external versions: any JSON object, kept " +
      "as given.",
    t: "O",
    p: {},
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": {
    d: "JSON represents any valid JSON value: an array, boolean, number, object, string or null.",
    t: "J",
    p: {},
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": {
    d: "JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an " +
      "array of JSONSchemaProps. Mainly here for serialization purposes.",
    t: "J",
    p: {},
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": {
    d: "JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true " +
      "for the boolean property.",
    t: "J",
    p: {},
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": {
    d: "JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.",
    t: "J",
    p: {},
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceStatus": {
    d: "CustomResourceSubresourceStatus defines how to serve the status subresource for " +
      "CustomResources: an empty object.",
    t: "E",
    p: {},
  },
};

/** client-node types of `any` by definition.field: the real upstream type. */
const ANY_FIELDS: Record<string, string> = {
  "io.k8s.api.apps.v1.ControllerRevision.data": "io.k8s.apimachinery.pkg.runtime.RawExtension",
  [`${META}.v1.ManagedFieldsEntry.fieldsV1`]: `${META}.v1.FieldsV1`,
  [`${META}.v1.WatchEvent.object`]: "io.k8s.apimachinery.pkg.runtime.RawExtension",
  "io.k8s.api.resource.v1.AllocatedDeviceStatus.data":
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
  "io.k8s.api.resource.v1.OpaqueDeviceConfiguration.parameters":
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
};

/** Fields whose strings (or map values) are resource Quantities, by definition.field. */
const QUANTITY_FIELDS = [
  "autoscaling.v2.HPAScalingRules.tolerance",
  "autoscaling.v2.MetricTarget.averageValue",
  "autoscaling.v2.MetricTarget.value",
  "autoscaling.v2.MetricValueStatus.averageValue",
  "autoscaling.v2.MetricValueStatus.value",
  "core.v1.ContainerStatus.allocatedResources",
  "core.v1.EmptyDirVolumeSource.sizeLimit",
  "core.v1.LimitRangeItem.default",
  "core.v1.LimitRangeItem.defaultRequest",
  "core.v1.LimitRangeItem.max",
  "core.v1.LimitRangeItem.maxLimitRequestRatio",
  "core.v1.LimitRangeItem.min",
  "core.v1.NodeAllocatableResourceClaimStatus.resources",
  "core.v1.NodeStatus.allocatable",
  "core.v1.NodeStatus.capacity",
  "core.v1.PersistentVolumeClaimStatus.allocatedResources",
  "core.v1.PersistentVolumeClaimStatus.capacity",
  "core.v1.PersistentVolumeSpec.capacity",
  "core.v1.PodSpec.overhead",
  "core.v1.PodStatus.allocatedResources",
  "core.v1.ResourceFieldSelector.divisor",
  "core.v1.ResourceQuotaSpec.hard",
  "core.v1.ResourceQuotaStatus.hard",
  "core.v1.ResourceQuotaStatus.used",
  "core.v1.ResourceRequirements.limits",
  "core.v1.ResourceRequirements.requests",
  "core.v1.VolumeResourceRequirements.limits",
  "core.v1.VolumeResourceRequirements.requests",
  "node.v1.Overhead.podFixed",
  "resource.v1.CapacityRequestPolicy.default",
  "resource.v1.CapacityRequestPolicy.validValues",
  "resource.v1.CapacityRequestPolicyRange.max",
  "resource.v1.CapacityRequestPolicyRange.min",
  "resource.v1.CapacityRequestPolicyRange.step",
  "resource.v1.CapacityRequirements.requests",
  "resource.v1.Counter.value",
  "resource.v1.DeviceCapacity.value",
  "resource.v1.DeviceRequestAllocationResult.consumedCapacity",
  "resource.v1.NodeAllocatableResourceMapping.allocationMultiplier",
  "storage.v1.CSIStorageCapacity.capacity",
  "storage.v1.CSIStorageCapacity.maximumVolumeSize",
].map((f) => `io.k8s.api.${f}`);

/** apiextensions' JSONSchemaProps fields whose client-node type is a loose union. */
const APIEXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
const JSON_SCHEMA_PROPS = `${APIEXTENSIONS}.JSONSchemaProps`;
const UNION_FIELDS: Record<string, string> = {
  [`${JSON_SCHEMA_PROPS}.additionalItems`]: `${APIEXTENSIONS}.JSONSchemaPropsOrBool`,
  [`${JSON_SCHEMA_PROPS}.additionalProperties`]: `${APIEXTENSIONS}.JSONSchemaPropsOrBool`,
  [`${JSON_SCHEMA_PROPS}.items`]: `${APIEXTENSIONS}.JSONSchemaPropsOrArray`,
  [`${JSON_SCHEMA_PROPS}.dependencies`]: `{}${APIEXTENSIONS}.JSONSchemaPropsOrStringArray`,
  [`${JSON_SCHEMA_PROPS}.default`]: `${APIEXTENSIONS}.JSON`,
  [`${JSON_SCHEMA_PROPS}.example`]: `${APIEXTENSIONS}.JSON`,
  [`${JSON_SCHEMA_PROPS}.enum`]: `[]${APIEXTENSIONS}.JSON`,
  [`${APIEXTENSIONS}.CustomResourceSubresources.status`]:
    `${APIEXTENSIONS}.CustomResourceSubresourceStatus`,
};

// ---------------------------------------------------------------------------------------------
// The output format (documented in server/apiserver/openapi/models.ts).

/**
 * One definition. `d` description; `t` kind of scalar for hand-written types (Q quantity,
 * I int-or-string, T time, M micro time, O any object, J any JSON); `p` properties as
 * `[type, description?]`; `r` required properties. A type is `string`, `boolean`, `int32`,
 * `int64`, `double`, `byte`, `J` (any JSON), `[]T`, `{}T` or a definition name.
 */
interface Model {
  d?: string;
  t?: string;
  p: Record<string, [string] | [string, string]>;
  r?: string[];
}

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface RawModel {
  name: string;
  description?: string;
  attrs: Attribute[];
  docs: Map<string, string>;
  optional: Set<string>;
}

/** Packs `pkg` from the registry into `dir` and unpacks it there; returns the package folder. */
async function unpack(pkg: string, dir: string): Promise<string> {
  const into = await mkdtemp(join(dir, "p-"));
  const pack = new Deno.Command("npm", {
    args: ["pack", pkg, "--silent"],
    cwd: into,
    stdout: "piped",
  });
  const out = await pack.output();
  if (!out.success) throw new Error(`npm pack ${pkg} failed`);
  const tgz = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  const tar = await new Deno.Command("tar", { args: ["xzf", tgz], cwd: into }).output();
  if (!tar.success) throw new Error(`Cannot unpack ${tgz}`);
  return join(into, "package");
}

/** Undoes the OpenAPI generator's escaping in doc comments. */
function unescapeDoc(text: string): string {
  return text.replace(/\\(['"\\])/g, "$1").replaceAll("*_/", "*/").replaceAll("/_*", "/*").trim();
}

/**
 * Field descriptions from kubernetes-types, keyed `<package>/<version>/<Type>.<field>` where
 * package is the last segment of the Go package (`core/v1/PodSpec.containers`).
 */
async function readTypeDocs(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true })) {
    const m = /^(\w+)\/(v\d+)\.d\.ts$/.exec(entry);
    if (!m) continue;
    const text = await readFile(join(root, entry), "utf8");
    for (const iface of text.split(/\nexport interface /).slice(1)) {
      const type = /^(\w+)/.exec(iface)![1];
      const re = /\/\*\*([\s\S]*?)\*\/\s*\n\s*(?:readonly\s+)?(\w+)\??:/g;
      for (const f of iface.matchAll(re)) {
        const doc = f[1].split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n").trim();
        out.set(`${m[1]}/${m[2]}/${type}.${f[2]}`, doc.replaceAll("*\\/", "*/"));
      }
    }
  }
  return out;
}

/** The kubernetes-types key of a definition's field. */
function typeDocKey(def: string, field: string): string {
  const parts = def.split(".");
  return `${parts.at(-3)}/${parts.at(-2)}/${parts.at(-1)}.${field}`;
}

function parseDts(text: string): Pick<RawModel, "description" | "docs" | "optional"> {
  const classAt = text.indexOf("export declare class ");
  const head = text.slice(0, classAt);
  const classDoc = /\/\*\*\n\* ([\s\S]*?)\n\*\/\s*$/.exec(head);
  const docs = new Map<string, string>();
  const optional = new Set<string>();
  const body = text.slice(classAt);
  const re = /(?:\/\*\*\n\s*\* ([\s\S]*?)\n\s*\*\/\n)?\s*'([^']+)'(\?)?:/g;
  for (const m of body.matchAll(re)) {
    if (m[1] !== undefined) docs.set(m[2], unescapeDoc(m[1]));
    if (m[3]) optional.add(m[2]);
  }
  return { description: classDoc ? unescapeDoc(classDoc[1]) : undefined, docs, optional };
}

async function readModels(modelsDir: string): Promise<Map<string, RawModel>> {
  const out = new Map<string, RawModel>();
  for (const f of (await readdir(modelsDir)).sort()) {
    const m = /^([A-Z]\w+)\.js$/.exec(f);
    if (!m || m[1] === "ObjectSerializer" || m[1] === "all") continue;
    const mod = await import(pathToFileURL(join(modelsDir, f)).href);
    const cls = mod[m[1]] as { attributeTypeMap?: Attribute[] } | undefined;
    if (!cls?.attributeTypeMap) continue;
    const dts = parseDts(await readFile(join(modelsDir, `${m[1]}.d.ts`), "utf8"));
    out.set(m[1], { name: m[1], attrs: cls.attributeTypeMap, ...dts });
  }
  return out;
}

/** Group and version of each client-node API class, from the paths it calls. */
async function readApis(
  apisDir: string,
): Promise<{ group: string; version: string; types: string[] }[]> {
  const out = [];
  for (const f of (await readdir(apisDir)).sort()) {
    if (!/^\w+V\d+Api\.js$/.test(f)) continue;
    const js = await readFile(join(apisDir, f), "utf8");
    const path = /'\/(api|apis\/([^/']+))\/(v\d+)\//.exec(js);
    if (!path) continue;
    const dts = await readFile(join(apisDir, f.replace(/\.js$/, ".d.ts")), "utf8");
    const types = [...new Set([...dts.matchAll(/HttpInfo<(\w+)>/g)].map((x) => x[1]))];
    out.push({ group: path[2] ?? "", version: path[3], types });
  }
  // Core first, then by group name: a shared type belongs to the most basic group reaching it.
  return out.sort((a, b) =>
    (a.group === "" ? "" : `~${a.group}`).localeCompare(b.group === "" ? "" : `~${b.group}`)
  );
}

function isStable(name: string): boolean {
  return /^(?:[A-Z][a-z]+)*V\d+[A-Z]/.test(name) && !/V\d+(?:alpha|beta)\d/.test(name);
}

/** Model names referenced by one model's attributes. */
function refsOf(raw: RawModel, models: Map<string, RawModel>): string[] {
  const out: string[] = [];
  for (const a of raw.attrs) {
    for (const id of a.type.match(/[A-Z]\w*/g) ?? []) if (models.has(id)) out.push(id);
  }
  return out;
}

function assignNames(
  models: Map<string, RawModel>,
  apis: { group: string; version: string; types: string[] }[],
): Map<string, string> {
  const pkgByShort = new Map<string, string>();
  for (const pkg of Object.values(GROUP_PACKAGES)) {
    const short = pkg.split(".").pop()!;
    pkgByShort.set(short[0].toUpperCase() + short.slice(1), pkg);
  }
  const names = new Map<string, string>();
  const split = (model: string) => /^((?:[A-Z][a-z]+)*)(V\d+\w*?)([A-Z]\w*)$/.exec(model);
  const set = (model: string, pkg: string) => {
    const m = split(model);
    if (!m || names.has(model)) return;
    names.set(model, `${pkg}.${m[2].toLowerCase()}.${m[3]}`);
  };
  for (const t of META_TYPES) set(`V1${t}`, META);
  for (const [model, group] of Object.entries(PACKAGE_OVERRIDES)) set(model, GROUP_PACKAGES[group]);
  for (const model of models.keys()) {
    const m = split(model);
    if (m?.[1] && pkgByShort.has(m[1])) set(model, pkgByShort.get(m[1])!);
  }
  const visited = new Set<string>();
  for (const api of apis) {
    const pkg = GROUP_PACKAGES[api.group];
    if (!pkg) throw new Error(`No package for API group "${api.group}": add it to GROUP_PACKAGES`);
    const queue = api.types.filter((t) => models.has(t));
    while (queue.length) {
      const t = queue.shift()!;
      if (visited.has(t)) continue;
      visited.add(t);
      set(t, pkg);
      queue.push(...refsOf(models.get(t)!, models));
    }
  }
  return names;
}

function convertType(
  attr: Attribute,
  field: string,
  names: Map<string, string>,
): string {
  if (Object.hasOwn(UNION_FIELDS, field)) return UNION_FIELDS[field];
  if (Object.hasOwn(ANY_FIELDS, field)) return ANY_FIELDS[field];
  const quantity = QUANTITY_FIELDS.includes(field);
  const one = (t: string): string => {
    const arr = /^Array<(.+)>$/.exec(t);
    if (arr) return `[]${one(arr[1])}`;
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
    if (map) return `{}${one(map[1])}`;
    switch (t) {
      case "string":
        if (quantity) return "io.k8s.apimachinery.pkg.api.resource.Quantity";
        return attr.format === "byte" ? "byte" : "string";
      case "boolean":
        return "boolean";
      case "number":
        return attr.format === "int32" || attr.format === "int64" ? attr.format : "double";
      case "Date":
        return attr.format === "date-time-micro" ? `${META}.v1.MicroTime` : `${META}.v1.Time`;
      case "V1MicroTime":
        return `${META}.v1.MicroTime`;
      case "IntOrString":
        return "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
      case "any":
        return "J";
    }
    const name = names.get(t);
    if (!name) throw new Error(`Cannot map type ${t} of ${field}`);
    return name;
  };
  return one(attr.type);
}

function buildModels(
  models: Map<string, RawModel>,
  names: Map<string, string>,
  typeDocs: Map<string, string>,
) {
  const intOrStringDoc = models.get("V1RollingUpdateDeployment")?.docs.get("maxSurge");
  const out: Record<string, Model> = { ...SCALARS };
  const unknownAny: string[] = [];
  for (const [short, raw] of models) {
    const def = names.get(short);
    if (!def || !isStable(short)) continue;
    const model: Model = { p: {} };
    if (raw.description) model.d = raw.description;
    const required: string[] = [];
    for (const a of raw.attrs) {
      const field = `${def}.${a.baseName}`;
      const type = convertType(a, field, names);
      if (type === "J" && a.type.includes("any") && !Object.hasOwn(UNION_FIELDS, field)) {
        unknownAny.push(field);
      }
      let doc = raw.docs.get(a.name);
      if (!doc || (a.type === "IntOrString" && doc === intOrStringDoc)) {
        doc = typeDocs.get(typeDocKey(def, a.baseName));
      }
      model.p[a.baseName] = doc ? [type, doc] : [type];
      if (!raw.optional.has(a.name)) required.push(a.baseName);
    }
    if (required.length) model.r = required;
    out[def] = model;
  }
  if (unknownAny.length) throw new Error(`Untyped fields, declare them: ${unknownAny.join(", ")}`);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function encode(data: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(data));
  const packed = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
  return btoa(Array.from(packed, (b) => String.fromCharCode(b)).join(""));
}

/** Differences from an upstream swagger.json, for a developer to review. */
function compare(models: Record<string, Model>, upstream: Record<string, unknown>): string[] {
  const defs = (upstream as { definitions: Record<string, Record<string, unknown>> }).definitions;
  const report: string[] = [];
  const typeOf = (s: Record<string, unknown>): string => {
    const ref = s.$ref as string | undefined;
    if (ref) return ref.replace("#/definitions/", "");
    if (s.type === "array") return `[]${typeOf(s.items as Record<string, unknown>)}`;
    if (s.type === "object" && s.additionalProperties) {
      return `{}${typeOf(s.additionalProperties as Record<string, unknown>)}`;
    }
    if (s.type === "integer") return String(s.format ?? "int64");
    if (s.type === "number") return "double";
    if (s.type === "string") return s.format === "byte" ? "byte" : "string";
    return String(s.type ?? "J");
  };
  for (const [name, def] of Object.entries(defs)) {
    if (!/\.v\d+\.[A-Z]/.test(name) && !name.includes(".pkg.")) continue;
    const ours = models[name];
    if (!ours) {
      if (/\.v\d+\./.test(name)) report.push(`missing ${name}`);
      continue;
    }
    const props = (def.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [p, s] of Object.entries(props)) {
      const mine = ours.p[p];
      if (!mine) report.push(`missing ${name}.${p}`);
      else if (mine[0] !== typeOf(s) && !Object.hasOwn(UNION_FIELDS, `${name}.${p}`)) {
        report.push(`type ${name}.${p}: ours ${mine[0]}, upstream ${typeOf(s)}`);
      }
    }
    const req = ((def.required ?? []) as string[]).slice().sort().join(",");
    if (req !== (ours.r ?? []).slice().sort().join(",")) {
      report.push(`required ${name}: ours [${ours.r ?? []}], upstream [${req}]`);
    }
  }
  for (const name of Object.keys(models)) {
    if (!defs[name]) report.push(`extra ${name}`);
  }
  return report;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "gen-openapi-"));
  try {
    const gen = join(await unpack(PACKAGE, dir), "dist/gen");
    const typeDocs = await readTypeDocs(await unpack(DOCS_PACKAGE, dir));
    const models = await readModels(join(gen, "models"));
    const apis = await readApis(join(gen, "apis"));
    const names = assignNames(models, apis);
    const data = buildModels(models, names, typeDocs);
    const at = Deno.args.indexOf("--compare");
    if (at >= 0) {
      const upstream = JSON.parse(await readFile(Deno.args[at + 1], "utf8"));
      for (const line of compare(data, upstream)) console.log(line);
    }
    const encoded = encode({ groups: GROUP_PACKAGES, definitions: data });
    const text = [
      `// Generated by scripts/gen_openapi.ts from ${PACKAGE} and ${DOCS_PACKAGE}. Do not edit.`,
      "// Brotli-compressed JSON in base64; decoded by ../models.ts on first use.",
      "",
      `/** Where the data came from. */`,
      `export const SOURCE = ${JSON.stringify(`${PACKAGE} ${DOCS_PACKAGE}`)};`,
      "",
      `/** The models as brotli-compressed JSON, in base64. */`,
      // As deno fmt writes it: the string on its own line.
      "export const MODELS =",
      `  "${encoded}";`,
      "",
    ].join("\n");
    await writeFile(OUT, text);
    console.log(
      `Wrote ${OUT}: ${Object.keys(data).length} definitions, ${encoded.length} bytes of base64`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
