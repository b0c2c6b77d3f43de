/**
 * The `paths` of the OpenAPI documents: for each served resource and version, the collection,
 * item, all-namespaces, `status` and `scale` paths with their operations, each carrying
 * `x-kubernetes-action` and `x-kubernetes-group-version-kind` and the query parameters upstream
 * declares (`fieldValidation` on writes, which kubectl looks for before it lets the server
 * validate).
 *
 * @module
 */
import { DEFAULT_VERBS } from "../resource.ts";
import { type Flavor, type Gvk, refTo, type Schema } from "./schema.ts";

/** One served kind in one version, with the definitions that describe it. */
export interface ServedKind extends Gvk {
  plural: string;
  namespaced: boolean;
  verbs: string[];
  status: boolean;
  /** Definition of the object, and of its list. */
  definition: string;
  listDefinition: string;
  /** Subresources beyond status, with the definition of their body. */
  subresources: { name: string; gvk: Gvk; definition: string; verbs: string[] }[];
  /** A custom resource: no strategic merge patch (kubectl then sends a merge patch). */
  custom?: boolean;
}

/** Where the `Status`, `DeleteOptions` and `Patch` bodies are defined. */
export const META_V1 = "io.k8s.apimachinery.pkg.apis.meta.v1";
const STATUS = `${META_V1}.Status`;
const DELETE_OPTIONS = `${META_V1}.DeleteOptions`;
const PATCH = `${META_V1}.Patch`;

interface Param {
  name: string;
  in: "query" | "path";
  type: "string" | "boolean" | "integer";
  description: string;
  required?: boolean;
}

const q = (name: string, type: Param["type"], description: string): Param => ({
  name,
  in: "query",
  type,
  description,
});

const PRETTY = q("pretty", "string", "If 'true', then the output is pretty printed.");
const DRY_RUN = q(
  "dryRun",
  "string",
  "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed",
);
const FIELD_MANAGER = q(
  "fieldManager",
  "string",
  "fieldManager is a name associated with the actor or entity that is making these changes.",
);
const FIELD_VALIDATION = q(
  "fieldValidation",
  "string",
  "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: unknown fields are silently dropped. - Warn: a warning is sent for each unknown field that is dropped. - Strict: the request fails with a BadRequest error naming every unknown field.",
);
const FORCE = q(
  "force",
  "boolean",
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.',
);
const LIST_PARAMS = [
  q(
    "allowWatchBookmarks",
    "boolean",
    'allowWatchBookmarks requests watch events with type "BOOKMARK".',
  ),
  q(
    "continue",
    "string",
    "The continue option should be set when retrieving more results from the server.",
  ),
  q(
    "fieldSelector",
    "string",
    "A selector to restrict the list of returned objects by their fields.",
  ),
  q(
    "labelSelector",
    "string",
    "A selector to restrict the list of returned objects by their labels.",
  ),
  q("limit", "integer", "limit is a maximum number of responses to return for a list call."),
  q(
    "resourceVersion",
    "string",
    "resourceVersion sets a constraint on what resource versions a request may be served from.",
  ),
  q(
    "resourceVersionMatch",
    "string",
    "resourceVersionMatch determines how resourceVersion is applied to list calls.",
  ),
  q(
    "sendInitialEvents",
    "boolean",
    "`sendInitialEvents=true` may be set together with `watch=true`.",
  ),
  q("timeoutSeconds", "integer", "Timeout for the list/watch call."),
  q(
    "watch",
    "boolean",
    "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.",
  ),
];
const DELETE_PARAMS = [
  DRY_RUN,
  q(
    "gracePeriodSeconds",
    "integer",
    "The duration in seconds before the object should be deleted.",
  ),
  q("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."),
  q(
    "propagationPolicy",
    "string",
    "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.",
  ),
];

const pathParam = (name: string, description: string): Param => ({
  name,
  in: "path",
  type: "string",
  description,
  required: true,
});
const NAMESPACE = pathParam(
  "namespace",
  "object name and auth scope, such as for teams and projects",
);

type Action = "get" | "list" | "post" | "put" | "patch" | "delete" | "deletecollection";

interface OpSpec {
  method: "get" | "post" | "put" | "patch" | "delete";
  action: Action;
  operationId: string;
  description: string;
  gvk: Gvk;
  params: Param[];
  body?: string;
  response: string;
  /** The body types of a patch, when not {@link PATCH_TYPES}. */
  patchTypes?: string[];
}

const PATCH_TYPES = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
];
const PRODUCES = ["application/json", "application/yaml"];

function camel(group: string): string {
  const parts = (group || "core").replace(/\.k8s\.io$/, "").split(".");
  return parts.map((p, i) => i ? p[0].toUpperCase() + p.slice(1) : p).join("");
}

function pascal(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function paramV2(p: Param): Schema {
  const out: Schema = { description: p.description, in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.type = p.type;
  out.uniqueItems = true;
  return out;
}

function paramV3(p: Param): Schema {
  const out: Schema = { description: p.description, in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function operation(op: OpSpec, tag: string, flavor: Flavor): Schema {
  const out: Schema = { description: op.description, operationId: op.operationId };
  const params: Schema[] = op.params.map(flavor === "v2" ? paramV2 : paramV3);
  const bodyTypes = op.method === "patch" ? op.patchTypes ?? PATCH_TYPES : ["*/*"];
  if (op.body && flavor === "v2") {
    params.unshift({ in: "body", name: "body", required: true, schema: refTo(op.body, flavor) });
    out.consumes = bodyTypes;
  } else if (flavor === "v2") {
    out.consumes = ["*/*"];
  }
  if (params.length) out.parameters = params;
  if (op.body && flavor === "v3") {
    const content: Record<string, Schema> = {};
    for (const t of bodyTypes) content[t] = { schema: refTo(op.body, flavor) };
    out.requestBody = { content, required: true };
  }
  const schema = refTo(op.response, flavor);
  const ok = flavor === "v2"
    ? { description: "OK", schema }
    : { content: Object.fromEntries(PRODUCES.map((t) => [t, { schema }])), description: "OK" };
  const responses: Record<string, Schema> = { "200": ok };
  if (op.method === "post") responses["201"] = { ...ok, description: "Created" };
  if (op.method === "post" || op.method === "delete") {
    responses["202"] = { ...ok, description: "Accepted" };
  }
  responses["401"] = { description: "Unauthorized" };
  if (flavor === "v2") {
    out.produces = PRODUCES;
    out.schemes = ["https"];
  }
  out.responses = responses;
  out.tags = [tag];
  out["x-kubernetes-action"] = op.action;
  out["x-kubernetes-group-version-kind"] = {
    group: op.gvk.group,
    kind: op.gvk.kind,
    version: op.gvk.version,
  };
  return out;
}

/** The path items of one served kind, keyed by path. */
export function kindPaths(k: ServedKind, flavor: Flavor): Record<string, Schema> {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  const scope = k.namespaced ? `${base}/namespaces/{namespace}` : base;
  const collection = `${scope}/${k.plural}`;
  const item = `${collection}/{name}`;
  const gv = `${pascal(camel(k.group))}${pascal(k.version)}`;
  const ns = k.namespaced ? "Namespaced" : "";
  const tag = `${camel(k.group)}_${k.version}`;
  const has = (v: string) => k.verbs.includes(v);
  const out: Record<string, Schema> = {};
  const add = (path: string, pathParams: Param[], ops: OpSpec[]) => {
    if (!ops.length) return;
    const itemObj: Schema = {};
    for (const op of ops) itemObj[op.method] = operation(op, tag, flavor);
    itemObj.parameters = [...pathParams, PRETTY].map(flavor === "v2" ? paramV2 : paramV3);
    out[path] = itemObj;
  };
  const nsParams = k.namespaced ? [NAMESPACE] : [];
  const nameParam = (what: string) => pathParam("name", `name of the ${what}`);
  const write = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];

  const collectionOps: OpSpec[] = [];
  if (has("list")) {
    collectionOps.push({
      method: "get",
      action: "list",
      operationId: `list${gv}${ns}${k.kind}`,
      description: `list or watch objects of kind ${k.kind}`,
      gvk: k,
      params: LIST_PARAMS,
      response: k.listDefinition,
    });
  }
  if (has("create")) {
    collectionOps.push({
      method: "post",
      action: "post",
      operationId: `create${gv}${ns}${k.kind}`,
      description: `create a ${k.kind}`,
      gvk: k,
      params: write,
      body: k.definition,
      response: k.definition,
    });
  }
  if (has("deletecollection")) {
    collectionOps.push({
      method: "delete",
      action: "deletecollection",
      operationId: `deleteCollection${gv}${ns}${k.kind}`,
      description: `delete collection of ${k.kind}`,
      gvk: k,
      params: [...DELETE_PARAMS, ...LIST_PARAMS],
      body: DELETE_OPTIONS,
      response: STATUS,
    });
  }
  add(collection, nsParams, collectionOps);

  const itemOps = (suffix: string, gvk: Gvk, definition: string, verbs: string[]): OpSpec[] => {
    const ops: OpSpec[] = [];
    const what = suffix
      ? `${suffix.toLowerCase()} of the specified ${k.kind}`
      : `the specified ${gvk.kind}`;
    if (verbs.includes("get")) {
      ops.push({
        method: "get",
        action: "get",
        operationId: `read${gv}${ns}${k.kind}${suffix}`,
        description: `read ${what}`,
        gvk,
        params: [],
        response: definition,
      });
    }
    if (verbs.includes("update")) {
      ops.push({
        method: "put",
        action: "put",
        operationId: `replace${gv}${ns}${k.kind}${suffix}`,
        description: `replace ${what}`,
        gvk,
        params: write,
        body: definition,
        response: definition,
      });
    }
    if (verbs.includes("patch")) {
      ops.push({
        method: "patch",
        action: "patch",
        operationId: `patch${gv}${ns}${k.kind}${suffix}`,
        description: `partially update ${what}`,
        gvk,
        params: [...write, FORCE],
        body: PATCH,
        response: definition,
        patchTypes: k.custom
          ? PATCH_TYPES.filter((t) => t !== "application/strategic-merge-patch+json")
          : undefined,
      });
    }
    return ops;
  };
  const main = itemOps("", k, k.definition, k.verbs);
  if (has("delete")) {
    main.push({
      method: "delete",
      action: "delete",
      operationId: `delete${gv}${ns}${k.kind}`,
      description: `delete a ${k.kind}`,
      gvk: k,
      params: DELETE_PARAMS,
      body: DELETE_OPTIONS,
      response: STATUS,
    });
  }
  add(item, [nameParam(k.kind), ...nsParams], main);
  if (k.namespaced && has("list")) {
    add(`${base}/${k.plural}`, [], [{
      method: "get",
      action: "list",
      operationId: `list${gv}${k.kind}ForAllNamespaces`,
      description: `list or watch objects of kind ${k.kind}`,
      gvk: k,
      params: LIST_PARAMS,
      response: k.listDefinition,
    }]);
  }
  if (k.status) {
    const ops = itemOps("Status", k, k.definition, ["get", "update", "patch"]);
    add(`${item}/status`, [nameParam(k.kind), ...nsParams], ops);
  }
  for (const sub of k.subresources) {
    const suffix = pascal(sub.name);
    const ops = itemOps(suffix, sub.gvk, sub.definition, sub.verbs);
    if (sub.verbs.includes("create")) {
      ops.push({
        method: "post",
        action: "post",
        operationId: `create${gv}${ns}${k.kind}${suffix}`,
        description: `create ${sub.name} of a ${k.kind}`,
        gvk: sub.gvk,
        params: write,
        body: sub.definition,
        response: sub.definition,
      });
    }
    add(
      `${item}/${sub.name}`,
      [pathParam("name", `name of the ${sub.gvk.kind}`), ...nsParams],
      ops,
    );
  }
  return out;
}

/** The verbs of a resource, as discovery reports them. */
export function verbsOf(verbs: string[] | undefined): string[] {
  return verbs ?? DEFAULT_VERBS;
}
