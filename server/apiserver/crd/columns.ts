/**
 * A CRD version's `additionalPrinterColumns` as table columns: Name first, then the declared
 * columns (a JSONPath cell typed integer, number, string, boolean or date), or Age when none are
 * declared, as upstream's custom resource table convertor builds them.
 *
 * @module
 */
import type { KubeObject, ObjectMeta } from "../../../kube/meta.ts";
import type { Column } from "../resource.ts";
import { age } from "../table.ts";
import { evalJsonPath, parseJsonPath } from "./jsonpath.ts";

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATED_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const NAME: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: NAME_DESCRIPTION,
  cell: (o) => (o.metadata as ObjectMeta).name,
};

/** A cell value of a JSON value for a column type; undefined when it does not fit. */
export function cellFor(type: string, value: unknown, now: Date): unknown {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value) ? value : undefined;
    case "number":
      return typeof value === "number" ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "date": {
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) return undefined;
      return age(value, now);
    }
    default:
      if (value === undefined || value === null) return undefined;
      return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

/** The table columns of a version's printer columns (Name + columns, or Name + Age). */
export function printerColumns(columns: readonly PrinterColumn[]): Column[] {
  if (columns.length === 0) {
    return [NAME, {
      name: "Age",
      type: "date",
      description: CREATED_DESCRIPTION,
      cell: (o, now) => age((o.metadata as ObjectMeta).creationTimestamp, now),
    }];
  }
  return [
    NAME,
    ...columns.map((c): Column => {
      let path: ReturnType<typeof parseJsonPath> | null;
      try {
        path = parseJsonPath(c.jsonPath);
      } catch {
        path = null;
      }
      return {
        name: c.name,
        type: c.type as Column["type"],
        format: c.format ?? "",
        description: c.description ||
          `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
        cell: (o: KubeObject, now: Date) =>
          path ? cellFor(c.type, evalJsonPath(path, o)[0], now) : undefined,
      };
    }),
  ];
}
