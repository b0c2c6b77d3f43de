/**
 * `storage.k8s.io/v1` CSIDrivers and CSINodes: what a CSI driver needs from Kubernetes, and which
 * drivers each node has registered. Upstream's driver defaults (attach required, no pod info, no
 * capacity tracking, `ReadWriteOnceWithFSType`, persistent volumes only) and validation.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain, isQualifiedName } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, defaultUnset, immutable, specOf, specView } from "../apps/workload.ts";
import { arr, checkEnum, invalidField, notSupported, objs, required, str } from "../core/util.ts";

const FS_GROUP_POLICIES = ["File", "None", "ReadWriteOnceWithFSType"];
const LIFECYCLE_MODES = ["Ephemeral", "Persistent"];
const MAX_DRIVER_NAME = 63;
const MAX_NODE_ID = 192;
const MAX_TOKEN_SECONDS = 2 ** 32;

/** Errors for a CSI driver name (upstream's `ValidateCSIDriverName`). */
export function validateCsiDriverName(name: unknown, field: string): FieldError[] {
  if (typeof name !== "string" || name === "") return [required(field)];
  const errs: FieldError[] = [];
  if (name.length > MAX_DRIVER_NAME) {
    errs.push({
      type: "FieldValueTooLong",
      field,
      value: name,
      detail: `must have at most ${MAX_DRIVER_NAME} bytes`,
    });
  }
  for (const msg of isDNS1123Subdomain(name.toLowerCase())) {
    errs.push(invalidField(field, name, msg));
  }
  return errs;
}

/** Upstream's `SetDefaults_CSIDriver`. */
export function defaultCsiDriver(o: KubeObject): void {
  const spec = specOf(o);
  defaultUnset(spec, "attachRequired", true);
  defaultUnset(spec, "podInfoOnMount", false);
  defaultUnset(spec, "storageCapacity", false);
  defaultUnset(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
  defaultUnset(spec, "requiresRepublish", false);
  defaultUnset(spec, "seLinuxMount", false);
  if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) {
    spec.volumeLifecycleModes = ["Persistent"];
  }
}

/** Errors for a CSI driver (upstream's `ValidateCSIDriver`). */
export function validateCsiDriver(o: KubeObject): FieldError[] {
  const errs = validateCsiDriverName(o.metadata.name, "metadata.name");
  const spec = specView(o);
  for (const key of ["attachRequired", "podInfoOnMount", "storageCapacity", "requiresRepublish"]) {
    if (typeof spec[key] !== "boolean") errs.push(required(`spec.${key}`, ""));
  }
  errs.push(...checkEnum(spec.fsGroupPolicy, FS_GROUP_POLICIES, "spec.fsGroupPolicy", false));
  arr(spec.volumeLifecycleModes).forEach((mode, i) => {
    if (typeof mode !== "string" || !LIFECYCLE_MODES.includes(mode)) {
      errs.push(notSupported(`spec.volumeLifecycleModes[${i}]`, mode, LIFECYCLE_MODES));
    }
  });
  const audiences = new Set<string>();
  objs(spec.tokenRequests).forEach((t, i) => {
    const path = `spec.tokenRequests[${i}]`;
    const audience = str(t.audience);
    if (audiences.has(audience)) {
      errs.push({ type: "FieldValueDuplicate", field: `${path}.audience`, value: audience });
    }
    audiences.add(audience);
    const seconds = t.expirationSeconds;
    if (typeof seconds === "number") {
      if (seconds < 600) {
        errs.push(
          invalidField(
            `${path}.expirationSeconds`,
            seconds,
            "may not specify a duration less than 10 minutes",
          ),
        );
      } else if (seconds > MAX_TOKEN_SECONDS) {
        errs.push(
          invalidField(
            `${path}.expirationSeconds`,
            seconds,
            "may not specify a duration larger than 2^32 seconds",
          ),
        );
      }
    }
  });
  return errs;
}

/** Errors for a driver update: attachment and lifecycle modes are fixed at create. */
export function validateCsiDriverUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const spec = specView(o), oldSpec = specView(old);
  return [
    ...immutable("spec.attachRequired", spec.attachRequired, oldSpec.attachRequired),
    ...immutable(
      "spec.volumeLifecycleModes",
      spec.volumeLifecycleModes,
      oldSpec.volumeLifecycleModes,
    ),
  ];
}

const bool = (v: unknown, dflt: boolean) => (typeof v === "boolean" ? v : dflt);

export const csiDrivers: ResourceDef = {
  group: "storage.k8s.io",
  versions: ["v1"],
  kind: "CSIDriver",
  plural: "csidrivers",
  singular: "csidriver",
  namespaced: false,
  strategy: {
    prepareForCreate: defaultCsiDriver,
    prepareForUpdate: defaultCsiDriver,
    validate: validateCsiDriver,
    validateUpdate: validateCsiDriverUpdate,
  },
  columns: [
    {
      name: "AttachRequired",
      type: "boolean",
      description: "attachRequired indicates this CSI volume driver requires an attach operation.",
      cell: (o) => bool(specView(o).attachRequired, true),
    },
    {
      name: "PodInfoOnMount",
      type: "boolean",
      description:
        "podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.",
      cell: (o) => bool(specView(o).podInfoOnMount, false),
    },
    {
      name: "StorageCapacity",
      type: "boolean",
      description:
        "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report.",
      cell: (o) => bool(specView(o).storageCapacity, false),
    },
    {
      name: "TokenRequests",
      type: "string",
      description:
        "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication.",
      cell: (o) => {
        const requests = specView(o).tokenRequests;
        if (!Array.isArray(requests)) return "<unset>";
        return objs(requests).map((t) => str(t.audience)).join(",");
      },
    },
    {
      name: "RequiresRepublish",
      type: "boolean",
      description:
        "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.",
      cell: (o) => bool(specView(o).requiresRepublish, false),
    },
    {
      name: "Modes",
      type: "string",
      description:
        "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.",
      cell: (o) => arr(specView(o).volumeLifecycleModes).map(str).join(",") || "<none>",
    },
    AGE_COLUMN,
  ],
};

/** Errors for a CSI node (upstream's `ValidateCSINode`). */
export function validateCsiNode(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(specView(o).drivers).forEach((d, i) => {
    const path = `spec.drivers[${i}]`;
    const name = str(d.name);
    errs.push(...validateCsiDriverName(d.name, `${path}.name`));
    if (names.has(name)) {
      errs.push({ type: "FieldValueDuplicate", field: `${path}.name`, value: name });
    }
    names.add(name);
    const nodeId = d.nodeID;
    if (typeof nodeId !== "string" || nodeId === "") {
      errs.push(required(`${path}.nodeID`, "nodeID must not be empty"));
    } else if (nodeId.length > MAX_NODE_ID) {
      errs.push(
        invalidField(`${path}.nodeID`, nodeId, `must be ${MAX_NODE_ID} characters or less`),
      );
    }
    const keys = new Set<string>();
    arr(d.topologyKeys).forEach((k, j) => {
      const key = str(k);
      const field = `${path}.topologyKeys[${j}]`;
      if (key === "") errs.push(required(field));
      for (const msg of key ? isQualifiedName(key) : []) errs.push(invalidField(field, key, msg));
      if (keys.has(key)) errs.push({ type: "FieldValueDuplicate", field, value: key });
      keys.add(key);
    });
    const count = (d.allocatable as { count?: unknown } | undefined)?.count;
    if (typeof count === "number" && count < 0) {
      errs.push(
        invalidField(`${path}.allocatable.count`, count, "must be greater than or equal to 0"),
      );
    }
  });
  return errs;
}

export const csiNodes: ResourceDef = {
  group: "storage.k8s.io",
  versions: ["v1"],
  kind: "CSINode",
  plural: "csinodes",
  singular: "csinode",
  namespaced: false,
  strategy: { validate: validateCsiNode },
  columns: [
    {
      name: "Drivers",
      type: "integer",
      description: "Drivers indicates the number of CSI drivers registered on the node",
      cell: (o) => objs(specView(o).drivers).length,
    },
    AGE_COLUMN,
  ],
};
