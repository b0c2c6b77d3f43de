/**
 * {@link EndpointSliceController}: the `discovery.k8s.io/v1` EndpointSlices of every service
 * with a selector (upstream `pkg/controller/endpointslice`): one address family per slice, at
 * most 100 endpoints a slice, one group of slices per distinct set of resolved ports, each
 * endpoint with `ready`/`serving`/`terminating` conditions. Slices carry
 * `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
 * endpointslice-controller.k8s.io` and are owned by their service. A service that selects no
 * pods keeps one empty placeholder slice, as upstream.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  ENDPOINT_SLICES,
  isNotFound,
  type KubeObject,
  namespaceIndex,
  type Node,
  NODES,
  type Pod,
  PODS,
  type Resource,
  SERVICES,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { deepEqual } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import {
  findPort,
  isHeadless,
  managedSelector,
  podHostname,
  podIps,
  podReady,
  podRef,
  selectedPods,
  servicesSelecting,
  shouldBeInEndpoints,
} from "./endpoint_pods.ts";
import { HEADLESS_LABEL } from "./endpoints.ts";
import type { EndpointPort, EndpointSlice, Service, SliceEndpoint } from "./types.ts";
import { compareStrings } from "../../../kube/order.ts";

const SERVICES_T = SERVICES as Resource<Service>;
const SLICES = ENDPOINT_SLICES as Resource<EndpointSlice>;

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = "topology.kubernetes.io/zone";

/** One slice as it should be: what the controller compares and writes. */
export interface DesiredSlice {
  addressType: string;
  ports: EndpointPort[];
  endpoints: SliceEndpoint[];
}

function familyOf(ip: string): string {
  return ip.includes(":") ? "IPv6" : "IPv4";
}

/** The address types of a service's slices (its IP families; IPv4 when unset). */
export function addressTypes(svc: Service): string[] {
  const fams = svc.spec?.ipFamilies?.length ? svc.spec.ipFamilies : ["IPv4"];
  return fams.map((f) => (f === "IPv6" ? "IPv6" : "IPv4"));
}

/** The slices a service should have, from its pods (node zones from `zoneOf`). */
export function desiredSlices(
  svc: Service,
  pods: readonly Pod[],
  zoneOf: (node: string) => string | undefined = () => undefined,
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): DesiredSlice[] {
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<string, DesiredSlice>();
  const sorted = [...pods].sort((a, b) =>
    compareStrings(a.metadata.name ?? "", b.metadata.name ?? "")
  );
  for (const type of addressTypes(svc)) {
    for (const pod of sorted) {
      if (!shouldBeInEndpoints(pod, true)) continue;
      const ip = podIps(pod).find((i) => familyOf(i) === type);
      if (!ip) continue;
      const ports: EndpointPort[] = [];
      for (const sp of svc.spec?.ports ?? []) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const ep: EndpointPort = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
        if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
        ports.push(ep);
      }
      const terminating = !!pod.metadata.deletionTimestamp;
      const serving = publishNotReady || podReady(pod);
      const endpoint: SliceEndpoint = {
        addresses: [ip],
        conditions: { ready: serving && (publishNotReady || !terminating), serving, terminating },
      };
      const hostname = podHostname(pod, svc);
      if (hostname) endpoint.hostname = hostname;
      endpoint.targetRef = podRef(pod);
      const node = pod.spec?.nodeName;
      if (node) {
        endpoint.nodeName = node;
        const zone = zoneOf(node);
        if (zone) endpoint.zone = zone;
      }
      const key = `${type}|${JSON.stringify(ports)}`;
      let g = groups.get(key);
      if (!g) groups.set(key, g = { addressType: type, ports, endpoints: [] });
      g.endpoints.push(endpoint);
    }
  }
  const out: DesiredSlice[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.endpoints.length; i += maxPerSlice) {
      out.push({ ...g, endpoints: g.endpoints.slice(i, i + maxPerSlice) });
    }
  }
  if (!out.length) out.push({ addressType: addressTypes(svc)[0], ports: [], endpoints: [] });
  return out;
}

/** The labels of a service's slices. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels };
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  else delete labels[HEADLESS_LABEL];
  return labels;
}

function sliceKeyOf(slice: KubeObject): string | undefined {
  const labels = slice.metadata.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || !labels[SERVICE_NAME_LABEL]) return undefined;
  return `${slice.metadata.namespace}/${labels[SERVICE_NAME_LABEL]}`;
}

function sameSlice(have: EndpointSlice, want: DesiredSlice, labels: Record<string, string>) {
  return have.addressType === want.addressType &&
    deepEqual(have.ports ?? [], want.ports) &&
    deepEqual(have.endpoints ?? [], want.endpoints) &&
    deepEqual(have.metadata.labels ?? {}, labels);
}

/** Keeps each selecting service's EndpointSlices in step with its pods. */
export class EndpointSliceController extends Controller {
  readonly #services: SharedInformer<Service>;
  readonly #pods: SharedInformer<Pod>;
  readonly #slices: SharedInformer<EndpointSlice>;
  readonly #nodes: SharedInformer<Node>;
  /** Per service: slices written (name → resourceVersion, null when deleted) the cache may lack. */
  readonly #written = new Map<string, Map<string, { rv: number | null; at: number }>>();

  constructor(config: ControllerConfig) {
    super(config);
    const indexers = { [BY_NAMESPACE]: namespaceIndex };
    this.#services = this.watch(SERVICES_T, { indexers });
    this.#pods = this.watch(PODS, {
      indexers,
      keys: (pod) => servicesSelecting(pod, this.#services.store),
    });
    this.#slices = this.watch(SLICES, { indexers, keys: sliceKeyOf });
    // Zones only; a node's change does not move endpoints.
    this.#nodes = this.informers.informer(NODES);
  }

  protected async reconcile(key: string): Promise<void> {
    const [namespace] = key.split("/");
    if (this.#cacheBehind(key, namespace)) {
      // Acting on an old view would duplicate slices: look again once the cache has caught up.
      this.queue.addAfter(key, 50);
      return;
    }
    const svc = this.#services.store.get(key);
    const existing = this.#slices.store.byIndex(BY_NAMESPACE, namespace)
      .filter((s) => sliceKeyOf(s) === key);
    if (!svc || !managedSelector(svc) || svc.spec?.type === "ExternalName") {
      // Owner references let the garbage collector finish the job; do it now as upstream does.
      for (const s of existing) await this.#delete(s);
      return;
    }
    const zoneOf = (n: string) => this.#nodes.store.get(n)?.metadata.labels?.[ZONE_LABEL];
    const want = desiredSlices(svc, selectedPods(svc, this.#pods.store), zoneOf);
    const labels = sliceLabels(svc);
    const owned = existing.filter((s) =>
      s.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid)
    );
    for (const s of existing) if (!owned.includes(s)) await this.#delete(s);
    // Reuse slices that already match, then rewrite the rest in place, then create or delete.
    const unmatched = [...want];
    const spare: EndpointSlice[] = [];
    for (const s of owned) {
      const i = unmatched.findIndex((w) => sameSlice(s, w, labels));
      if (i >= 0) unmatched.splice(i, 1);
      else spare.push(s);
    }
    for (const w of unmatched) {
      const reuse = spare.findIndex((s) => s.addressType === w.addressType);
      if (reuse >= 0) {
        const [s] = spare.splice(reuse, 1);
        this.#remember(
          key,
          await this.client.update(SLICES, {
            ...s,
            metadata: { ...s.metadata, labels },
            ports: w.ports,
            endpoints: w.endpoints,
          }),
        );
        continue;
      }
      this.#remember(
        key,
        await this.client.create(SLICES, {
          metadata: {
            generateName: `${svc.metadata.name!.slice(0, 62)}-`,
            namespace,
            labels,
            ownerReferences: [{
              apiVersion: "v1",
              kind: "Service",
              name: svc.metadata.name!,
              uid: svc.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            }],
          },
          addressType: w.addressType,
          ports: w.ports,
          endpoints: w.endpoints,
        }),
      );
    }
    for (const s of spare) await this.#delete(s);
  }

  #remember(key: string, slice: EndpointSlice, deleted = false): void {
    let m = this.#written.get(key);
    if (!m) this.#written.set(key, m = new Map());
    m.set(slice.metadata.name!, {
      rv: deleted ? null : Number(slice.metadata.resourceVersion),
      at: this.clock.now(),
    });
  }

  #cacheBehind(key: string, namespace: string): boolean {
    const m = this.#written.get(key);
    if (!m) return false;
    for (const [name, { rv, at }] of m) {
      // A write someone else undid never shows up: stop waiting for it after a while.
      if (this.clock.now() - at > 5_000) {
        m.delete(name);
        continue;
      }
      const cached = this.#slices.store.get(`${namespace}/${name}`);
      const behind = rv === null
        ? !!cached
        : !cached || Number(cached.metadata.resourceVersion) < rv;
      if (!behind) m.delete(name);
    }
    if (!m.size) this.#written.delete(key);
    return m.size > 0;
  }

  async #delete(s: EndpointSlice): Promise<void> {
    const key = sliceKeyOf(s);
    if (key) this.#remember(key, s, true);
    try {
      await this.client.delete(SLICES, s.metadata.name!, {
        namespace: s.metadata.namespace,
        preconditions: { uid: s.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
