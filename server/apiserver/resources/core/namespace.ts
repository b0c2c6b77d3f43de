/**
 * `namespaces`: cluster-scoped, Active on create, `kubernetes` finalizer in `spec.finalizers`,
 * and the `kubernetes.io/metadata.name` label kept equal to the name. A delete makes the
 * namespace Terminating; it stays until `spec.finalizers` is empty (the namespace controller
 * empties it through `namespaces/finalize` once the content is gone), and goes then.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../../../kube/meta.ts";
import { isQualifiedName } from "../../../../kube/labels_validation.ts";
import type { ResourceDef } from "../../resource.ts";
import { column, field } from "./columns.ts";
import { arr, child, invalidField, str } from "./util.ts";

const NAME_LABEL = "kubernetes.io/metadata.name";
const FINALIZING = Symbol("finalizing");

/**
 * Marks `o` as a `namespaces/finalize` write, the one update that may change
 * `spec.finalizers` (a symbol-keyed property: never stored or serialized).
 */
export function markFinalize(o: KubeObject): void {
  Object.defineProperty(o, FINALIZING, { value: true });
}

function specFinalizers(o: KubeObject): unknown[] {
  return arr(field(o, "spec").finalizers);
}
const STANDARD_FINALIZERS = ["kubernetes"];

function nameLabel(o: KubeObject): void {
  const name = o.metadata.name;
  if (!name) return;
  o.metadata.labels = { ...(o.metadata.labels ?? {}), [NAME_LABEL]: name };
}

function validate(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(field(o, "spec").finalizers).forEach((f, i) => {
    const p = `spec.finalizers[${i}]`;
    const name = str(f);
    for (const d of isQualifiedName(name)) errs.push(invalidField(p, f, d));
    if (!name.includes("/") && !STANDARD_FINALIZERS.includes(name)) {
      errs.push(
        invalidField(p, f, "name is neither a standard finalizer name nor is it fully qualified"),
      );
    }
  });
  return errs;
}

export function namespaceResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "Namespace",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    shortNames: ["ns"],
    status: true,
    nameIsLabel: true,
    extraSubresources: [{ name: "finalize", kind: "Namespace", verbs: ["update"] }],
    strategy: {
      prepareForCreate(o) {
        o.status = { phase: "Active" };
        const spec = child(o, "spec");
        const finalizers = arr(spec.finalizers).filter((f) => typeof f === "string");
        if (!finalizers.includes("kubernetes")) finalizers.push("kubernetes");
        spec.finalizers = finalizers;
        nameLabel(o);
      },
      prepareForUpdate(o, old) {
        // spec.finalizers only change through the finalize subresource.
        const finalizing = (o as unknown as Record<symbol, unknown>)[FINALIZING] === true;
        const finalizers = specFinalizers(o);
        o.spec = deepClone(old.spec ?? {});
        if (finalizing) child(o, "spec").finalizers = finalizers;
        nameLabel(o);
      },
      prepareForDelete(o) {
        child(o, "status").phase = "Terminating";
      },
      deletionHeld: (o) => specFinalizers(o).length > 0,
      validate,
    },
    columns: [
      column("Status", (o) => str(field(o, "status").phase), {
        description: "The status of the namespace",
      }),
    ],
  };
}
