/**
 * `serviceaccounts`: plain storage with a SECRETS column.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { column } from "./columns.ts";
import { arr } from "./util.ts";

export function serviceAccountResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    singular: "serviceaccount",
    namespaced: true,
    shortNames: ["sa"],
    extraSubresources: [{
      name: "token",
      kind: "TokenRequest",
      group: "authentication.k8s.io",
      version: "v1",
      verbs: ["create"],
    }],
    columns: [
      column("Secrets", (o) => arr(o.secrets).length, {
        type: "integer",
        description:
          "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
      }),
    ],
  };
}
