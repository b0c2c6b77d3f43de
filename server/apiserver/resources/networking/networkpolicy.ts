/**
 * `networking.k8s.io/v1` NetworkPolicies: which traffic pods selected by `podSelector` accept and
 * send. Upstream's defaults (TCP ports, `policyTypes` from the rules present) and validation of
 * ports, peers and IP blocks.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import {
  formatLabelSelector,
  type LabelSelector,
  validateLabelSelector,
} from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, specOf, specView } from "../apps/workload.ts";
import { portNameErrors } from "../core/container_validation.ts";
import {
  arr,
  checkEnum,
  forbiddenField,
  inclusiveRange,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";
import { isStrictSubnet, parseNetwork } from "./names.ts";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const POLICY_TYPES = ["Egress", "Ingress"];

/** Upstream's `SetDefaults_NetworkPolicy` and `SetDefaults_NetworkPolicyPort`. */
export function defaultNetworkPolicy(o: KubeObject): void {
  const spec = specOf(o);
  for (const key of ["ingress", "egress"]) {
    for (const rule of objs(spec[key])) {
      for (const port of objs(rule.ports)) {
        if (port.protocol === undefined || port.protocol === null) port.protocol = "TCP";
      }
    }
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = objs(spec.egress).length ? ["Ingress", "Egress"] : ["Ingress"];
  }
}

function validatePort(port: Obj, path: string): FieldError[] {
  const errs = checkEnum(port.protocol, PROTOCOLS, `${path}.protocol`, false);
  const p = port.port;
  const end = port.endPort;
  if (typeof p === "number") {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      errs.push(invalidField(`${path}.port`, p, inclusiveRange(1, 65535)));
    }
    if (typeof end === "number") {
      if (end < p) {
        errs.push(invalidField(`${path}.endPort`, end, "must be greater than or equal to `port`"));
      }
      if (!Number.isInteger(end) || end < 1 || end > 65535) {
        errs.push(invalidField(`${path}.endPort`, end, inclusiveRange(1, 65535)));
      }
    }
  } else if (typeof p === "string") {
    if (typeof end === "number") {
      errs.push(
        invalidField(`${path}.endPort`, end, "may not be specified when `port` is non-numeric"),
      );
    }
    for (const m of portNameErrors(p)) errs.push(invalidField(`${path}.port`, p, m));
  } else if (typeof end === "number") {
    errs.push(required(`${path}.port`, "must be specified when `endPort` is specified"));
  }
  return errs;
}

function validateIpBlock(block: Obj, path: string): FieldError[] {
  const cidr = str(block.cidr);
  if (!cidr) return [required(`${path}.cidr`)];
  const network = parseNetwork(cidr);
  if (!network) {
    return [
      invalidField(
        `${path}.cidr`,
        cidr,
        "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
      ),
    ];
  }
  const errs: FieldError[] = [];
  arr(block.except).forEach((e, i) => {
    const field = `${path}.except[${i}]`;
    const except = parseNetwork(str(e));
    if (!except) {
      errs.push(
        invalidField(field, e, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"),
      );
    } else if (!isStrictSubnet(except, network)) {
      errs.push(invalidField(field, e, "must be a strict subset of `cidr`"));
    }
  });
  return errs;
}

function validatePeer(peer: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  for (const key of ["podSelector", "namespaceSelector"]) {
    const sel = obj(peer[key]);
    if (!sel) continue;
    peers++;
    errs.push(...validateLabelSelector(sel as LabelSelector, `${path}.${key}`));
  }
  const block = obj(peer.ipBlock);
  if (block) {
    peers++;
    errs.push(...validateIpBlock(block, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(required(path, "must specify a peer"));
  else if (peers > 1 && block) {
    errs.push(forbiddenField(path, "may not specify both ipBlock and another peer"));
  }
  return errs;
}

/** Errors for a network policy's spec (upstream's `ValidateNetworkPolicySpec`). */
export function validateNetworkPolicySpec(spec: Obj): FieldError[] {
  const errs = validateLabelSelector(
    (obj(spec.podSelector) ?? {}) as LabelSelector,
    "spec.podSelector",
  );
  for (const [key, peersKey] of [["ingress", "from"], ["egress", "to"]] as const) {
    objs(spec[key]).forEach((rule, i) => {
      const path = `spec.${key}[${i}]`;
      objs(rule.ports).forEach((p, j) => errs.push(...validatePort(p, `${path}.ports[${j}]`)));
      objs(rule[peersKey]).forEach((p, j) =>
        errs.push(...validatePeer(p, `${path}.${peersKey}[${j}]`))
      );
    });
  }
  const types = arr(spec.policyTypes);
  types.forEach((t, i) => {
    if (typeof t !== "string" || !POLICY_TYPES.includes(t)) {
      errs.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
    }
  });
  if (types.length > 2) {
    errs.push(invalidField("spec.policyTypes", types, "may not specify more than two policyTypes"));
  }
  return errs;
}

export const networkPolicies: ResourceDef = {
  group: "networking.k8s.io",
  versions: ["v1"],
  kind: "NetworkPolicy",
  plural: "networkpolicies",
  singular: "networkpolicy",
  namespaced: true,
  shortNames: ["netpol"],
  generation: true,
  strategy: {
    prepareForCreate: defaultNetworkPolicy,
    prepareForUpdate: defaultNetworkPolicy,
    validate: (o) => validateNetworkPolicySpec(specView(o)),
  },
  columns: [
    {
      name: "Pod-Selector",
      type: "string",
      description:
        "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.",
      cell: (o) => formatLabelSelector((obj(specView(o).podSelector) ?? {}) as LabelSelector),
    },
    AGE_COLUMN,
  ],
};
