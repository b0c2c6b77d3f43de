/**
 * Builds the OpenAPI documents from the {@link Registry} and the type registry: the Swagger 2.0
 * document (`/openapi/v2`), the OpenAPI 3.0 index (`/openapi/v3`) and one OpenAPI 3.0 document per
 * group/version. Documents are built on first request and cached until the registry's
 * `generation` changes; each is kept as encoded bytes with its hash (upstream's ETag: SHA-512 in
 * upper-case hex).
 *
 * Custom resources: a ResourceDef may carry `schema` (an OpenAPI v3 schema of its objects, see
 * {@link SchemaCarrier}); it is published under a definition named after the reversed group
 * (`com.example.stable.v1.CronTab`), as upstream names CRD schemas.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { K3S_VERSION } from "../../../kube/version.ts";
import type { Registry } from "../registry.ts";
import type { ResourceDef } from "../resource.ts";
import { describedTypes, type TypeRegistry } from "./models.ts";
import { kindPaths, META_V1, type ServedKind, verbsOf } from "./paths.ts";
import { closure, definitionSchema, type Flavor, type Gvk, type Schema } from "./schema.ts";
import { encodeSwaggerProto } from "./proto.ts";
import { compareStrings } from "../../../kube/order.ts";

/**
 * What a {@link ResourceDef} may carry for OpenAPI: its own schema (custom resources). The
 * registry owner sets `schema` on the def; nothing else is needed.
 */
export interface SchemaCarrier {
  /** OpenAPI v3 schema of the object (`openAPIV3Schema` of a CRD version), for every version. */
  schema?: Schema;
}

/** One encoded document. */
export interface Encoded {
  body: Uint8Array;
  /** SHA-512 of the body in upper-case hex: the ETag and the `hash` of v3 URLs. */
  hash: string;
}

/** The definition name upstream gives a custom resource: reversed group, version, kind. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

/** `api/v1` or `apis/apps/v1`: the key of a group/version in the v3 index. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function encode(value: unknown): Encoded {
  const body = new TextEncoder().encode(JSON.stringify(value));
  return { body, hash: hashOf(body) };
}

export function hashOf(body: Uint8Array): string {
  return createHash("sha512").update(body).digest("hex").toUpperCase();
}

const SCALE = "io.k8s.api.autoscaling.v1.Scale";
const COMMON = [`${META_V1}.Status`, `${META_V1}.DeleteOptions`, `${META_V1}.Patch`];

/** Served kinds and custom schemas of one registry generation. */
class Snapshot {
  readonly kinds: ServedKind[] = [];
  /** Custom definitions by name: the object and its list. */
  readonly custom = new Map<string, Schema>();
  readonly gvks = new Map<string, Gvk[]>();

  constructor(registry: Registry, types: TypeRegistry) {
    for (const { def } of registry.all()) {
      for (const version of def.versions) this.#add(def, version, types);
    }
  }

  #add(def: ResourceDef & SchemaCarrier, version: string, types: TypeRegistry): void {
    const { group, kind } = def;
    let definition = types.kindDefinition(group, version, kind);
    let listDefinition = definition && types.get(`${definition}List`) ? `${definition}List` : "";
    const custom = !!def.schema || !definition;
    if (def.schema || !definition) {
      definition = customDefinitionName(group, version, kind);
      listDefinition = `${definition}List`;
      this.custom.set(definition, customObjectSchema(def.schema));
      this.custom.set(listDefinition, customListSchema(definition));
    }
    const verbs = verbsOf(def.verbs);
    const subresources: ServedKind["subresources"] = [];
    if (def.scale) {
      const gvk = { group: "autoscaling", version: "v1", kind: "Scale" };
      subresources.push({
        name: "scale",
        gvk,
        definition: SCALE,
        verbs: ["get", "update", "patch"],
      });
    }
    for (const sub of def.extraSubresources ?? []) {
      const gvk = { group: sub.group ?? group, version: sub.version ?? version, kind: sub.kind };
      const subDef = types.kindDefinition(gvk.group, gvk.version, gvk.kind);
      if (subDef) subresources.push({ name: sub.name, gvk, definition: subDef, verbs: sub.verbs });
    }
    this.kinds.push({
      group,
      version,
      kind,
      plural: def.plural,
      namespaced: def.namespaced,
      verbs,
      status: def.status ?? false,
      definition,
      listDefinition: listDefinition || definition,
      subresources,
      custom,
    });
    this.#gvk(definition, { group, version, kind });
    if (listDefinition) this.#gvk(listDefinition, { group, version, kind: `${kind}List` });
  }

  #gvk(definition: string, gvk: Gvk): void {
    const list = this.gvks.get(definition) ?? [];
    list.push(gvk);
    this.gvks.set(definition, list);
  }
}

function customObjectSchema(schema: Schema | undefined): Schema {
  const base: Schema = schema
    ? structuredClone(schema)
    : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const properties = { ...(base.properties as Record<string, Schema> | undefined) };
  properties.apiVersion ??= { type: "string" };
  properties.kind ??= { type: "string" };
  properties.metadata = { $ref: `#/components/schemas/${META_V1}.ObjectMeta` };
  return { ...base, type: "object", properties };
}

function customListSchema(item: string): Schema {
  return {
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string" },
      items: { type: "array", items: { $ref: `#/components/schemas/${item}` } },
      kind: { type: "string" },
      metadata: { $ref: `#/components/schemas/${META_V1}.ListMeta` },
    },
  };
}

/** Rewrites v3 references and drops what Swagger 2.0 lacks, for custom schemas in v2. */
function toV2(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "nullable" || k === "oneOf" || k === "anyOf" || k === "not") continue;
    if (k === "$ref" && typeof v === "string") {
      out[k] = v.replace("#/components/schemas/", "#/definitions/");
    } else out[k] = toV2(v);
  }
  return out;
}

/** The lazily built, generation-cached documents of one registry. */
export class OpenApiDocuments {
  readonly #registry: Registry;
  readonly #types: () => TypeRegistry;
  #generation = -1;
  #snapshot: Snapshot | null = null;
  #v2: Encoded | null = null;
  #v2proto: Encoded | null = null;
  #v3 = new Map<string, Encoded>();
  #index: Encoded | null = null;

  constructor(registry: Registry, types: () => TypeRegistry = describedTypes) {
    this.#registry = registry;
    this.#types = types;
  }

  #current(): Snapshot {
    if (this.#generation !== this.#registry.generation || !this.#snapshot) {
      this.#generation = this.#registry.generation;
      this.#snapshot = new Snapshot(this.#registry, this.#types());
      this.#v2 = this.#v2proto = this.#index = null;
      this.#v3 = new Map();
    }
    return this.#snapshot;
  }

  #definitions(snap: Snapshot, kinds: ServedKind[], flavor: Flavor): Record<string, Schema> {
    const types = this.#types();
    const roots = new Set<string>(COMMON);
    const customRefs: string[] = [];
    for (const k of kinds) {
      for (
        const d of [
          k.definition,
          k.listDefinition,
          ...k.subresources.map((s) => s.definition),
        ]
      ) {
        if (snap.custom.has(d)) customRefs.push(d);
        else roots.add(d);
      }
    }
    if (customRefs.length) roots.add(`${META_V1}.ObjectMeta`).add(`${META_V1}.ListMeta`);
    const out: Record<string, Schema> = {};
    for (const name of closure(types, roots)) {
      out[name] = definitionSchema(name, types.get(name)!, flavor, snap.gvks.get(name));
    }
    for (const name of customRefs.sort()) {
      const schema = {
        ...snap.custom.get(name)!,
        "x-kubernetes-group-version-kind": snap.gvks.get(name),
      };
      out[name] = flavor === "v2" ? toV2(schema) as Schema : schema;
    }
    return out;
  }

  /** The Swagger 2.0 document of every served resource, as JSON. */
  v2(): Encoded {
    const snap = this.#current();
    if (this.#v2) return this.#v2;
    const paths: Record<string, Schema> = {};
    for (const k of snap.kinds) Object.assign(paths, kindPaths(k, "v2"));
    this.#v2 = encode({
      definitions: this.#definitions(snap, snap.kinds, "v2"),
      info: { title: "Kubernetes", version: K3S_VERSION },
      paths: sortKeys(paths),
      security: [{ BearerToken: [] }],
      securityDefinitions: {
        BearerToken: {
          description: "Bearer Token authentication",
          in: "header",
          name: "authorization",
          type: "apiKey",
        },
      },
      swagger: "2.0",
    });
    return this.#v2;
  }

  /** The Swagger 2.0 document as gnostic `openapi.v2.Document` protobuf, as kubectl asks. */
  v2Protobuf(): Encoded {
    const json = this.v2();
    if (this.#v2proto) return this.#v2proto;
    const body = encodeSwaggerProto(JSON.parse(new TextDecoder().decode(json.body)));
    this.#v2proto = { body, hash: hashOf(body) };
    return this.#v2proto;
  }

  /** Group/version paths (`api/v1`, `apis/apps/v1`) served, sorted. */
  groupVersions(): string[] {
    const snap = this.#current();
    return [...new Set(snap.kinds.map((k) => groupVersionPath(k.group, k.version)))].sort();
  }

  /** The OpenAPI 3.0 document of one group/version path, or null when none is served. */
  v3(gvPath: string): Encoded | null {
    const snap = this.#current();
    const cached = this.#v3.get(gvPath);
    if (cached) return cached;
    const kinds = snap.kinds.filter((k) => groupVersionPath(k.group, k.version) === gvPath);
    if (!kinds.length) return null;
    const paths: Record<string, Schema> = {};
    for (const k of kinds) Object.assign(paths, kindPaths(k, "v3"));
    const doc = encode({
      components: { schemas: this.#definitions(snap, kinds, "v3") },
      info: { title: "Kubernetes", version: K3S_VERSION },
      openapi: "3.0.0",
      paths: sortKeys(paths),
    });
    this.#v3.set(gvPath, doc);
    return doc;
  }

  /** The v3 index: each group/version with its URL carrying the document's hash. */
  v3Index(): Encoded {
    this.#current();
    if (this.#index) return this.#index;
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of this.groupVersions()) {
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${this.v3(gv)!.hash}` };
    }
    this.#index = encode({ paths });
    return this.#index;
  }
}

function sortKeys<T>(obj: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => compareStrings(a, b)));
}
