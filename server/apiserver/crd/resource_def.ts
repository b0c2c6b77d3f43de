/**
 * The {@link ResourceDef}s a CustomResourceDefinition serves: one per served version (the storage
 * version first), with the accepted names, subresources, printer columns, selectable fields,
 * the version's schema (for OpenAPI, field validation and server-side apply) and a
 * {@link customResourceStrategy}.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/meta.ts";
import type { SchemaCarrier } from "../openapi/mod.ts";
import type { AsyncConverter, ResourceDef, ScaleDef } from "../resource.ts";
import { type PrinterColumn, printerColumns } from "./columns.ts";
import { evalJsonPath, parseJsonPath } from "./jsonpath.ts";
import { isObj, type JSONSchemaProps } from "./schema.ts";
import { customResourceStrategy } from "./strategy.ts";

/** The parts of a CRD the server reads (`apiextensions.k8s.io/v1`). */
export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: {
    status?: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
  preserveUnknownFields?: boolean;
  conversion?: { strategy?: string; webhook?: Record<string, unknown> };
}

/** A CRD's spec, read defensively from a stored object. */
export function crdSpec(crd: KubeObject): CrdSpec {
  const spec = (isObj(crd.spec) ? crd.spec : {}) as unknown as CrdSpec;
  return {
    ...spec,
    names: isObj(spec.names) ? spec.names : { plural: "", kind: "" },
    versions: Array.isArray(spec.versions) ? spec.versions.filter(isObj) as CrdVersion[] : [],
  };
}

/** `.spec.replicas` as path segments. */
function dotted(path: string | undefined): string[] | undefined {
  if (!path || !path.startsWith(".")) return undefined;
  return path.slice(1).split(".");
}

function scaleOf(v: CrdVersion): ScaleDef | undefined {
  const s = v.subresources?.scale;
  if (!isObj(s)) return undefined;
  const spec = dotted(s.specReplicasPath), status = dotted(s.statusReplicasPath);
  if (!spec || !status) return undefined;
  const def: ScaleDef = { specReplicasPath: spec, statusReplicasPath: status };
  const selector = dotted(s.labelSelectorPath);
  if (selector) def.labelSelectorPath = selector;
  return def;
}

function selectableFields(v: CrdVersion): ResourceDef["fields"] {
  const out: NonNullable<ResourceDef["fields"]> = {};
  for (const f of Array.isArray(v.selectableFields) ? v.selectableFields : []) {
    if (typeof f?.jsonPath !== "string") continue;
    let path;
    try {
      path = parseJsonPath(f.jsonPath);
    } catch {
      continue;
    }
    out[f.jsonPath.replace(/^\./, "")] = (o) => {
      const v = evalJsonPath(path, o)[0];
      return v === undefined || v === null ? "" : String(v);
    };
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The resources to serve for a CRD (served versions, storage version first), using the accepted
 * names in `status.acceptedNames` for short names, categories and singular.
 */
export function customResourceDefs(
  crd: KubeObject,
  converter?: AsyncConverter,
): (ResourceDef & SchemaCarrier)[] {
  const spec = crdSpec(crd);
  const status = isObj(crd.status) ? crd.status : {};
  const accepted = (isObj(status.acceptedNames) ? status.acceptedNames : spec.names) as CrdNames;
  const storage = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name;
  const served = spec.versions.filter((v) => v.served);
  served.sort((a, b) => Number(b.name === storage) - Number(a.name === storage));
  return served.map((v) => {
    const schema = v.schema?.openAPIV3Schema;
    const statusSubresource = isObj(v.subresources?.status);
    const def: ResourceDef & SchemaCarrier = {
      group: spec.group,
      versions: [v.name],
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: accepted.singular || spec.names.singular || spec.names.kind.toLowerCase(),
      namespaced: spec.scope !== "Cluster",
      generation: true,
      status: statusSubresource,
      columns: printerColumns(
        Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [],
      ),
      strategy: customResourceStrategy({
        schema: isObj(schema) ? schema : undefined,
        preserveUnknownFields: spec.preserveUnknownFields === true,
        statusSubresource,
        // With a converter each version's store converts to the storage version itself.
        storageApiVersion: `${spec.group}/${converter ? v.name : storage}`,
        warning: v.deprecated
          ? v.deprecationWarning || `${spec.group}/${v.name} ${spec.names.kind} is deprecated`
          : undefined,
      }),
    };
    if (isObj(schema)) def.schema = schema;
    if (converter) def.converter = converter;
    if (accepted.shortNames?.length) def.shortNames = [...accepted.shortNames];
    if (accepted.categories?.length) def.categories = [...accepted.categories];
    const scale = scaleOf(v);
    if (scale) def.scale = scale;
    const fields = selectableFields(v);
    if (fields) def.fields = fields;
    return def;
  });
}
