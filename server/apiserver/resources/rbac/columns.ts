/**
 * The table columns `kubectl get` prints for RBAC objects, as upstream's printers: roles show
 * NAME and CREATED AT; bindings NAME, ROLE, AGE and, with `-o wide`, USERS, GROUPS and
 * SERVICEACCOUNTS.
 *
 * @module
 */
import { isJsonObject, type KubeObject } from "../../../../kube/meta.ts";
import type { Column } from "../../resource.ts";
import { age } from "../../table.ts";

const NAME: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  cell: (o) => o.metadata.name,
};

const CREATED =
  "CreationTimestamp is a timestamp representing the server time when this object was created.";

export const ROLE_COLUMNS: Column[] = [
  NAME,
  {
    name: "Created At",
    type: "date",
    description: CREATED,
    cell: (o) => o.metadata.creationTimestamp ?? "<unknown>",
  },
];

function subjects(o: KubeObject): Record<string, unknown>[] {
  return Array.isArray(o.subjects) ? o.subjects.filter(isJsonObject) : [];
}

/** Users, groups or service accounts (`namespace/name`) of a binding, comma-separated. */
function subjectsOf(o: KubeObject, kind: "User" | "Group" | "ServiceAccount"): string {
  return subjects(o).filter((s) => s.kind === kind).map((s) =>
    kind === "ServiceAccount" ? `${s.namespace ?? ""}/${s.name ?? ""}` : String(s.name ?? "")
  ).join(", ");
}

/** The columns of role bindings (`what` is `roleBinding` or `clusterRoleBinding`). */
export function bindingColumns(what: string): Column[] {
  return [
    NAME,
    {
      name: "Role",
      type: "string",
      description:
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.",
      cell: (o) => {
        const ref = isJsonObject(o.roleRef) ? o.roleRef : {};
        return `${ref.kind ?? ""}/${ref.name ?? ""}`;
      },
    },
    {
      name: "Age",
      type: "string",
      description: CREATED,
      cell: (o, now) => age(o.metadata.creationTimestamp, now),
    },
    {
      name: "Users",
      type: "string",
      priority: 1,
      description: `Users in the ${what}`,
      cell: (o) => subjectsOf(o, "User"),
    },
    {
      name: "Groups",
      type: "string",
      priority: 1,
      description: `Groups in the ${what}`,
      cell: (o) => subjectsOf(o, "Group"),
    },
    {
      name: "ServiceAccounts",
      type: "string",
      priority: 1,
      description: `ServiceAccounts in the ${what}`,
      cell: (o) => subjectsOf(o, "ServiceAccount"),
    },
  ];
}
