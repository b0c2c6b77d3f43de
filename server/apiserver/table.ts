/**
 * `meta.k8s.io` Table and PartialObjectMetadata conversion: what `kubectl get` prints, with the
 * columns each resource declares.
 *
 * @module
 */
import type { KubeObject, ObjectMeta } from "../../kube/meta.ts";
import type { Column, ResourceDef } from "./resource.ts";

const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

const AGE: Column = {
  name: "Age",
  type: "string",
  description:
    "CreationTimestamp is a timestamp representing the server time when this object was created.",
  cell: (obj, now) => age((obj.metadata as ObjectMeta).creationTimestamp, now),
};

/** The columns of a resource's table: Name, its own, then Age. */
export function columnsOf(def: ResourceDef): Column[] {
  const own = def.columns ?? [];
  if (own.some((c) => c.name === "Name")) return own;
  const name: Column = {
    name: "Name",
    type: "string",
    format: "name",
    description: NAME_DESCRIPTION,
    cell: (obj) => (obj.metadata as ObjectMeta).name,
  };
  return own.some((c) => c.name === "Age") ? [name, ...own] : [name, ...own, AGE];
}

export type IncludeObject = "None" | "Metadata" | "Object";

/** A Table of `objects`; `withColumns` false leaves out the definitions (watch events after the first). */
export function toTable(
  def: ResourceDef,
  objects: KubeObject[],
  opts: {
    version: string;
    include: IncludeObject;
    listMeta: Record<string, unknown>;
    now: Date;
    withColumns?: boolean;
  },
): Record<string, unknown> {
  const columns = columnsOf(def);
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: opts.listMeta,
    columnDefinitions: opts.withColumns === false ? [] : columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = {
        cells: columns.map((c) => cellValue(c, obj, opts.now)),
      };
      if (opts.include === "Object") row.object = obj;
      else if (opts.include === "Metadata") {
        row.object = partialMetadata(obj, opts.version);
      }
      return row;
    }),
  };
}

function cellValue(c: Column, obj: KubeObject, now: Date): unknown {
  let v: unknown;
  try {
    v = c.cell(obj, now);
  } catch {
    v = undefined;
  }
  if (v === undefined || v === null) return c.type === "integer" || c.type === "number" ? 0 : "";
  return v;
}

/** `PartialObjectMetadata` of an object. */
export function partialMetadata(obj: KubeObject, version: string): Record<string, unknown> {
  return {
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata,
  };
}

/** Upstream's human-readable age: `45s`, `3m20s`, `5h`, `2d3h`, `400d`, `3y20d`. */
export function age(timestamp: string | null | undefined, now: Date): string {
  if (!timestamp) return "<unknown>";
  const ms = now.getTime() - Date.parse(timestamp);
  return humanDuration(ms / 1000);
}

export function humanDuration(totalSeconds: number): string {
  const s = Math.floor(totalSeconds);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) {
    return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  }
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 24 / 365);
  const d = Math.floor(h / 24) - y * 365;
  if (h < 24 * 365 * 8) return d === 0 ? `${y}y` : `${y}y${d}d`;
  return `${y}y`;
}
