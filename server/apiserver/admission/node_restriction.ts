/**
 * NodeRestriction admission: what a kubelet writes must concern its own node. It may create only
 * mirror pods bound to itself that refer to no other object, update the status of and delete or
 * evict only pods bound to itself, create and change only its own Node (not its taints, nor
 * labels outside the kubelet's allowed set), touch only its own Lease and CSINode, update only
 * the status of claims, and request tokens only bound to its pods. Upstream's messages.
 *
 * @module
 */
import { notFound } from "../../../kube/errors.ts";
import { deepEqual, type KubeObject } from "../../../kube/meta.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import { NODE_LEASE_NAMESPACE, nodeIdentity } from "../authz/node_authorizer.ts";
import { podRefs } from "../authz/pod_refs.ts";
import type { Registry } from "../registry.ts";
import { admissionForbidden, labelsOf, obj, objs, str } from "./attributes.ts";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

/** Labels the kubelet may set on its Node (`k8s.io/kubelet/pkg/apis`). */
const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "kubernetes.io/os",
  "kubernetes.io/arch",
]);
const KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];

function within(namespace: string, domain: string): boolean {
  return namespace === domain || namespace.endsWith(`.${domain}`);
}

function labelNamespace(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

/** Labels a node may not add, change or remove on its own Node. */
export function forbiddenNodeLabels(
  now: Record<string, string>,
  before: Record<string, string>,
): string[] {
  const changed = new Set<string>();
  for (const [k, v] of Object.entries(now)) if (before[k] !== v) changed.add(k);
  for (const [k, v] of Object.entries(before)) if (now[k] !== v) changed.add(k);
  const out: string[] = [];
  for (const key of changed) {
    const ns = labelNamespace(key);
    const restricted = within(ns, "node-restriction.kubernetes.io");
    const kubernetes = within(ns, "kubernetes.io") || within(ns, "k8s.io");
    const kubelet = KUBELET_LABELS.has(key) ||
      KUBELET_LABEL_NAMESPACES.some((d) => within(ns, d));
    if (restricted || (kubernetes && !kubelet)) out.push(key);
  }
  return out.sort();
}

/** `null`, absent and empty lists compare equal, as upstream's semantic equality has it. */
function sameList(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => Array.isArray(v) && v.length ? v : null;
  return deepEqual(norm(a), norm(b));
}

export function nodeRestriction(registry: Registry): AdmissionPlugin {
  const pods = () => registry.store("", "pods");

  async function existingPod(attrs: AdmissionAttributes, name: string): Promise<KubeObject> {
    if (attrs.old && attrs.old.metadata.name === name) return attrs.old;
    const found = await pods().getCached(attrs.ctx.info.namespace, name);
    if (!found) throw notFound({ group: "", resource: "pods" }, name);
    return found.obj;
  }

  function nodeNameOf(pod: KubeObject | null): string {
    return str(obj(pod?.spec)?.nodeName);
  }

  async function admitPodCreate(node: string, attrs: AdmissionAttributes): Promise<void> {
    const pod = attrs.object!;
    const deny = (reason: string) => admissionForbidden(attrs, reason);
    if (pod.metadata.annotations?.[MIRROR_ANNOTATION] === undefined) {
      throw deny(
        `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`,
      );
    }
    if (nodeNameOf(pod) !== node) {
      throw deny(`node "${node}" can only create pods with spec.nodeName set to itself`);
    }
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length > 1) {
      throw deny(`node "${node}" can only create pods with a single owner reference set to itself`);
    }
    const owner = owners[0];
    if (!owner || owner.apiVersion !== "v1" || owner.kind !== "Node" || owner.name !== node) {
      throw deny(`node "${node}" can only create pods with an owner reference set to itself`);
    }
    if (owner.controller !== true) {
      throw deny(
        `node "${node}" can only create pods with a controller owner reference set to itself`,
      );
    }
    if (owner.blockOwnerDeletion === true) {
      throw deny(`node "${node}" must not set blockOwnerDeletion on an owner reference`);
    }
    const self = await registry.store("", "nodes").getCached("", node);
    if (!self) throw notFound({ group: "", resource: "nodes" }, node);
    if (owner.uid !== self.obj.metadata.uid) {
      throw deny(`node ${node} UID mismatch: expected ${owner.uid} got ${self.obj.metadata.uid}`);
    }
    const refs = podRefs(pod as unknown as Record<string, unknown>);
    if (str(obj(pod.spec)?.serviceAccountName)) {
      throw deny(`node "${node}" can not create pods that reference a service account`);
    }
    if (refs.secrets.size) throw deny(`node "${node}" can not create pods that reference secrets`);
    if (refs.configmaps.size) {
      throw deny(`node "${node}" can not create pods that reference configmaps`);
    }
    for (const v of objs(obj(pod.spec)?.volumes)) {
      if (objs(obj(v.projected)?.sources).some((s) => obj(s.clusterTrustBundle))) {
        throw deny(`node "${node}" can not create pods that reference clustertrustbundles`);
      }
    }
    if (objs(obj(pod.spec)?.volumes).some((v) => obj(v.persistentVolumeClaim))) {
      throw deny(`node "${node}" can not create pods that reference persistentvolumeclaims`);
    }
  }

  async function admitPod(node: string, attrs: AdmissionAttributes): Promise<void> {
    const sub = attrs.ctx.info.subresource;
    const deny = (reason: string) => admissionForbidden(attrs, reason);
    if (sub === "") {
      if (attrs.operation === "CREATE") return await admitPodCreate(node, attrs);
      if (attrs.operation === "DELETE") {
        const pod = await existingPod(attrs, attrs.ctx.info.name);
        if (nodeNameOf(pod) !== node) {
          throw deny(`node "${node}" can only delete pods with spec.nodeName set to itself`);
        }
        return;
      }
      throw deny(
        `unexpected operation "${attrs.operation}", node "${node}" can only create and delete mirror pods`,
      );
    }
    if (sub === "status") {
      if (attrs.operation !== "UPDATE") throw deny(`unexpected operation "${attrs.operation}"`);
      if (nodeNameOf(attrs.old) !== node) {
        throw deny(
          `node "${node}" can only update pod status for pods with spec.nodeName set to itself`,
        );
      }
      if (!deepEqual(labelsOf(attrs.old), labelsOf(attrs.object))) {
        throw deny(`node "${node}" cannot update labels through pod status`);
      }
      const claims = (o: KubeObject | null) =>
        objs(obj(o?.status)?.resourceClaimStatuses).map((s) => [s.name, s.resourceClaimName]);
      if (!deepEqual(claims(attrs.old), claims(attrs.object))) {
        throw deny(`node "${node}" cannot update resource claim statues`);
      }
      return;
    }
    if (sub === "eviction") {
      const name = attrs.ctx.info.name || str(attrs.object?.metadata.name);
      if (!name) throw deny("could not determine pod from request data");
      const pod = await existingPod(attrs, name);
      if (nodeNameOf(pod) !== node) {
        throw deny(`node ${node} can only evict pods with spec.nodeName set to itself`);
      }
      return;
    }
    throw deny(`unexpected pod subresource "${sub}", only 'status' and 'eviction' are allowed`);
  }

  function admitNode(node: string, attrs: AdmissionAttributes): void {
    const requested = attrs.object?.metadata.name || attrs.ctx.info.name ||
      str(attrs.old?.metadata.name);
    const deny = (reason: string) => admissionForbidden(attrs, reason);
    if (requested !== node) {
      throw deny(`node "${node}" is not allowed to modify node "${requested}"`);
    }
    const spec = (o: KubeObject | null) => obj(o?.spec) ?? {};
    if (attrs.operation === "CREATE") {
      if (spec(attrs.object).configSource) {
        throw deny(`node "${node}" is not allowed to create pods with a non-nil configSource`);
      }
      const forbidden = forbiddenNodeLabels(labelsOf(attrs.object), {});
      if (forbidden.length) {
        throw deny(
          `node "${node}" is not allowed to set the following labels: ${forbidden.join(", ")}`,
        );
      }
    }
    if (attrs.operation === "UPDATE") {
      const source = spec(attrs.object).configSource;
      if (source && !deepEqual(source, spec(attrs.old).configSource)) {
        throw deny(
          `node "${node}" is not allowed to update configSource to a new non-nil configSource`,
        );
      }
      if (!sameList(spec(attrs.object).taints, spec(attrs.old).taints)) {
        throw deny(`node "${node}" is not allowed to modify taints`);
      }
      const forbidden = forbiddenNodeLabels(labelsOf(attrs.object), labelsOf(attrs.old));
      if (forbidden.length) throw deny(`is not allowed to modify labels: ${forbidden.join(", ")}`);
    }
  }

  function admitPvcStatus(node: string, attrs: AdmissionAttributes): void {
    if (attrs.ctx.info.subresource !== "status") {
      throw admissionForbidden(attrs, "may only update PVC status");
    }
    if (attrs.operation !== "UPDATE") {
      throw admissionForbidden(attrs, `unexpected operation "${attrs.operation}"`);
    }
    // Only status.capacity, conditions and the allocated resources may change.
    const strip = (o: KubeObject | null) => {
      const copy = structuredClone(o ?? {}) as Record<string, unknown>;
      const meta = obj(copy.metadata) ?? {};
      delete meta.resourceVersion;
      delete meta.managedFields;
      const status = obj(copy.status) ?? {};
      for (
        const k of ["capacity", "conditions", "allocatedResourceStatuses", "allocatedResources"]
      ) {
        delete status[k];
      }
      return copy;
    };
    if (!deepEqual(strip(attrs.old), strip(attrs.object))) {
      throw admissionForbidden(
        attrs,
        `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`,
      );
    }
  }

  async function admitTokenRequest(node: string, attrs: AdmissionAttributes): Promise<void> {
    if (attrs.operation !== "CREATE" || attrs.ctx.info.subresource !== "token") return;
    const deny = (reason: string) => admissionForbidden(attrs, reason);
    const ref = obj(obj(attrs.object?.spec)?.boundObjectRef);
    if (!ref || ref.apiVersion !== "v1" || ref.kind !== "Pod" || !str(ref.name)) {
      throw deny("node requested token not bound to a pod");
    }
    if (!str(ref.uid)) throw deny("node requested token with a pod binding without a uid");
    const found = await pods().getCached(attrs.ctx.info.namespace, str(ref.name));
    if (!found) throw notFound({ group: "", resource: "pods" }, str(ref.name));
    if (ref.uid !== found.obj.metadata.uid) {
      throw deny(
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    if (nodeNameOf(found.obj) !== node) {
      throw deny("node requested token bound to a pod scheduled on a different node");
    }
  }

  /** Leases and CSINodes: only the one named after the node. */
  function admitOwnNamed(node: string, attrs: AdmissionAttributes, what: string): void {
    const name = attrs.operation === "CREATE"
      ? str(attrs.object?.metadata.name)
      : attrs.ctx.info.name;
    if (name !== node) {
      throw admissionForbidden(
        attrs,
        `can only access ${what} with the same name as the requesting node`,
      );
    }
  }

  return {
    name: "NodeRestriction",
    async admit(attrs) {
      const node = nodeIdentity(attrs.ctx.user);
      if (node === null) return;
      if (node === "") {
        throw admissionForbidden(
          attrs,
          `could not determine node from user "${attrs.ctx.user.name}"`,
        );
      }
      const { group, plural } = attrs.served.def;
      if (group === "" && plural === "pods") return await admitPod(node, attrs);
      if (group === "" && plural === "nodes") return admitNode(node, attrs);
      if (group === "" && plural === "persistentvolumeclaims") return admitPvcStatus(node, attrs);
      if (group === "" && plural === "serviceaccounts") {
        return await admitTokenRequest(node, attrs);
      }
      if (group === "coordination.k8s.io" && plural === "leases") {
        if (attrs.ctx.info.namespace !== NODE_LEASE_NAMESPACE) {
          throw admissionForbidden(
            attrs,
            `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`,
          );
        }
        return admitOwnNamed(node, attrs, "node lease");
      }
      if (group === "storage.k8s.io" && plural === "csinodes") {
        return admitOwnNamed(node, attrs, "CSINode");
      }
    },
  };
}
