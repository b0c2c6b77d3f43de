/**
 * Helpers for the core resources' table columns, matching upstream's printers.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";
import type { Column } from "../../resource.ts";
import { age } from "../../table.ts";
import { arr, obj, str } from "./util.ts";

/** A column; `type` defaults to string. */
export function column(
  name: string,
  cell: (o: KubeObject, now: Date) => unknown,
  opts: Omit<Partial<Column>, "name" | "cell"> = {},
): Column {
  return { name, type: "string", ...opts, cell };
}

/** A priority-1 (`-o wide`) string column. */
export function wide(
  name: string,
  cell: (o: KubeObject, now: Date) => unknown,
  description?: string,
): Column {
  return column(name, cell, { priority: 1, description });
}

/** The Age column, for resources where upstream prints it before other columns. */
export const AGE_COLUMN: Column = column(
  "Age",
  (o, now) => age(o.metadata.creationTimestamp ?? undefined, now),
  {
    description:
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
  },
);

/** The object's `spec` (or another top-level field) as an object, `{}` when absent. */
export function field(o: Record<string, unknown>, key: string): Record<string, unknown> {
  return obj(o[key]) ?? {};
}

/** Upstream's `labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty. */
export function formatLabels(map: unknown): string {
  const o = obj(map) ?? {};
  const keys = Object.keys(o).sort();
  return keys.length ? keys.map((k) => `${k}=${str(o[k])}`).join(",") : "<none>";
}

const ACCESS_MODES: [string, string][] = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
];

/** Upstream's `GetAccessModesAsString`: `RWO,ROX`. */
export function accessModesString(modes: unknown): string {
  const list = arr(modes);
  return ACCESS_MODES.filter(([mode]) => list.includes(mode)).map(([, short]) => short).join(",");
}

/** The storage class of a PV or PVC: the beta annotation wins over `spec.storageClassName`. */
export function storageClassOf(o: KubeObject): string {
  const beta = o.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"];
  return beta ?? str(field(o, "spec").storageClassName);
}

/** Container names and images of a pod spec, comma-joined, for wide columns. */
export function containersAndImages(spec: unknown): { names: string; images: string } {
  const containers = arr(obj(spec)?.containers).map((c) => obj(c) ?? {});
  return {
    names: containers.map((c) => str(c.name)).join(","),
    images: containers.map((c) => str(c.image)).join(","),
  };
}
