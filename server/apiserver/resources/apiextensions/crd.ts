/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinitions: cluster-scoped, with a status subresource
 * the CRD controller writes. Defaults (singular, listKind, conversion `None`), stored versions
 * kept, upstream's validation, the `NAME CREATED AT` table, and a delete that first adds the
 * `customresourcecleanup.apiextensions.k8s.io` finalizer so the controller can remove every
 * custom resource before the definition goes.
 *
 * @module
 */
import type { KubeObject, ObjectMeta } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { isObj } from "../../crd/schema.ts";
import { crdSpec } from "../../crd/resource_def.ts";
import { validateCrd, validateCrdUpdate, validateNames } from "./crd_validation.ts";
import { conditionsOf, setCondition } from "./naming.ts";

export const APIEXTENSIONS_GROUP = "apiextensions.k8s.io";
export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

const CREATED_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** Upstream's v1 defaults. */
function setDefaults(crd: KubeObject): void {
  if (!isObj(crd.spec)) return;
  const spec = crd.spec;
  if (isObj(spec.names)) {
    const names = spec.names;
    if (!names.singular && typeof names.kind === "string") {
      names.singular = names.kind.toLowerCase();
    }
    if (!names.listKind && typeof names.kind === "string" && names.kind) {
      names.listKind = `${names.kind}List`;
    }
  }
  if (!isObj(spec.conversion)) spec.conversion = { strategy: "None" };
}

function storageVersion(crd: KubeObject): string | undefined {
  return crdSpec(crd).versions.find((v) => v.storage)?.name;
}

function statusOf(crd: KubeObject): Record<string, unknown> {
  if (!isObj(crd.status)) crd.status = {};
  return crd.status as Record<string, unknown>;
}

function addStoredVersion(crd: KubeObject): void {
  const v = storageVersion(crd);
  if (!v) return;
  const status = statusOf(crd);
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions as string[] : [];
  if (!stored.includes(v)) status.storedVersions = [...stored, v];
}

export const customResourceDefinitions: ResourceDef = {
  group: APIEXTENSIONS_GROUP,
  versions: ["v1"],
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(crd) {
      setDefaults(crd);
      crd.status = { acceptedNames: { plural: "", kind: "" } };
      addStoredVersion(crd);
    },
    prepareForUpdate(crd) {
      setDefaults(crd);
      addStoredVersion(crd);
    },
    validate: (crd) => validateCrd(crd),
    validateUpdate: (crd, old) => validateCrdUpdate(crd, old),
    validateStatusUpdate(crd) {
      const status = statusOf(crd);
      return isObj(status.acceptedNames)
        ? validateNames(status.acceptedNames, "status.acceptedNames")
        : [];
    },
    prepareForDelete(crd, ctx) {
      const meta = crd.metadata as ObjectMeta;
      if (!meta.finalizers?.includes(CLEANUP_FINALIZER)) {
        meta.finalizers = [...(meta.finalizers ?? []), CLEANUP_FINALIZER];
      }
      statusOf(crd).conditions = setCondition(conditionsOf(crd), {
        type: "Terminating",
        status: "True",
        reason: "InstanceDeletionPending",
        message:
          "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
      }, ctx.now);
    },
  },
  columns: [
    {
      name: "Name",
      type: "string",
      format: "name",
      description:
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
      cell: (o) => o.metadata.name,
    },
    {
      name: "Created At",
      type: "date",
      description: CREATED_DESCRIPTION,
      cell: (o) => o.metadata.creationTimestamp,
    },
  ],
};
