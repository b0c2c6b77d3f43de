/**
 * NamespaceLifecycle admission: nothing is created in a namespace that does not exist or is being
 * deleted, and the system namespaces cannot be deleted.
 *
 * @module
 */
import { forbidden, notFound } from "../../../kube/errors.ts";
import type { AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";

/** Namespaces that may never be deleted. */
export const IMMORTAL_NAMESPACES = ["default", "kube-system", "kube-public"];

/** Kinds that may be created in a terminating namespace (upstream's exemptions). */
const EXEMPT_IN_TERMINATING = new Set(["events", "serviceaccounts/token", "tokenreviews"]);

export function namespaceLifecycle(registry: Registry): AdmissionPlugin {
  return {
    name: "NamespaceLifecycle",
    async validate({ served, operation, ctx, old }) {
      const { def } = served;
      if (def.group === "" && def.plural === "namespaces") {
        if (operation === "DELETE" && IMMORTAL_NAMESPACES.includes(old?.metadata.name ?? "")) {
          throw forbidden(
            `namespaces "${old!.metadata.name}" is forbidden: this namespace may not be deleted`,
            { name: old!.metadata.name, kind: "namespaces" },
          );
        }
        return;
      }
      if (!def.namespaced || operation !== "CREATE") return;
      const ns = ctx.info.namespace;
      const found = await registry.store("", "namespaces").getCached("", ns);
      if (!found) throw notFound({ group: "", resource: "namespaces" }, ns);
      const sub = ctx.info.subresource;
      const kind = sub ? `${def.plural}/${sub}` : def.plural;
      if (found.obj.metadata.deletionTimestamp && !EXEMPT_IN_TERMINATING.has(kind)) {
        throw forbidden(
          `unable to create new content in namespace ${ns} because it is being terminated`,
          { name: ns, kind: "namespaces" },
        );
      }
    },
  };
}
