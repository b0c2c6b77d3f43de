/**
 * `nodes`: cluster-scoped, status settable on create (the kubelet registers with it), podCIDR and
 * providerID fixed once set, and kubectl's STATUS / ROLES / VERSION columns.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, column, field, wide } from "./columns.ts";
import { arr, checkEnum, child, forbiddenField, invalidField, obj, objs, str } from "./util.ts";

/** Upstream's node STATUS: `Ready`, `NotReady`, `Unknown`, plus `,SchedulingDisabled`. */
export function nodeStatus(o: KubeObject): string {
  const ready = objs(field(o, "status").conditions).find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (field(o, "spec").unschedulable === true) parts.push("SchedulingDisabled");
  return parts.join(",");
}

/** Upstream's node ROLES: from `node-role.kubernetes.io/<role>` and `kubernetes.io/role`. */
export function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

function address(o: KubeObject, type: string): string {
  const a = objs(field(o, "status").addresses).find((x) => x.type === type);
  return a ? str(a.address) || "<none>" : "<none>";
}

function info(o: KubeObject, key: string): string {
  return str(field(field(o, "status"), "nodeInfo")[key]) || "<unknown>";
}

function prepare(o: KubeObject): void {
  const spec = child(o, "spec");
  const cidrs = arr(spec.podCIDRs);
  if (str(spec.podCIDR) && cidrs.length === 0) spec.podCIDRs = [spec.podCIDR];
  else if (!str(spec.podCIDR) && cidrs.length > 0) spec.podCIDR = cidrs[0];
  const status = obj(o.status);
  if (status && obj(status.capacity) && !obj(status.allocatable)) {
    status.allocatable = deepClone(status.capacity);
  }
}

const TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"];

function validate(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(field(o, "spec").taints).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    if (!str(t.key)) errs.push({ type: "FieldValueRequired", field: `${p}.key` });
    errs.push(...checkEnum(t.effect, TAINT_EFFECTS, `${p}.effect`));
  });
  const spec = field(o, "spec");
  if (arr(spec.podCIDRs).length > 0 && spec.podCIDR !== arr(spec.podCIDRs)[0]) {
    errs.push(invalidField("spec.podCIDRs", spec.podCIDRs, "must match `podCIDR`"));
  }
  return errs;
}

function validateUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const spec = field(o, "spec");
  const oldSpec = field(old, "spec");
  const errs: FieldError[] = [];
  const oldCidrs = arr(oldSpec.podCIDRs);
  if (oldCidrs.length > 0 && !deepEqual(oldCidrs, arr(spec.podCIDRs))) {
    errs.push(
      forbiddenField(
        "spec.podCIDRs",
        'node updates may not change podCIDR except from "" to valid',
      ),
    );
  }
  if (str(oldSpec.providerID) && oldSpec.providerID !== spec.providerID) {
    errs.push(
      forbiddenField(
        "spec.providerID",
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  return errs;
}

export function nodeResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "Node",
    plural: "nodes",
    singular: "node",
    namespaced: false,
    shortNames: ["no"],
    status: true,
    extraSubresources: [{
      name: "proxy",
      kind: "NodeProxyOptions",
      verbs: ["create", "delete", "get", "patch", "update"],
    }],
    strategy: { prepareForCreate: prepare, prepareForUpdate: prepare, validate, validateUpdate },
    columns: [
      column("Status", nodeStatus, { description: "The status of the node" }),
      column("Roles", nodeRoles, { description: "The roles of the node" }),
      AGE_COLUMN,
      column("Version", (o) => str(field(field(o, "status"), "nodeInfo").kubeletVersion), {
        description: "Kubelet Version reported by the node.",
      }),
      wide(
        "Internal-IP",
        (o) => address(o, "InternalIP"),
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
      ),
      wide(
        "External-IP",
        (o) => address(o, "ExternalIP"),
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
      ),
      wide(
        "OS-Image",
        (o) => info(o, "osImage"),
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
      ),
      wide(
        "Kernel-Version",
        (o) => info(o, "kernelVersion"),
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      ),
      wide(
        "Container-Runtime",
        (o) => info(o, "containerRuntimeVersion"),
        "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
      ),
    ],
    fields: {
      "spec.unschedulable": (o) => String(field(o, "spec").unschedulable === true),
    },
  };
}
