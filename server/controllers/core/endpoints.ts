/**
 * {@link EndpointsController}: the core/v1 Endpoints of every service with a selector, from the
 * pods it selects (upstream `pkg/controller/endpoint`): ready pods under `addresses`, others
 * under `notReadyAddresses` (all under `addresses` with `publishNotReadyAddresses`), one subset
 * per distinct set of resolved ports. Services without a selector (`default/kubernetes`, or
 * hand-made endpoints) are left alone.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  ENDPOINTS,
  isAlreadyExists,
  isNotFound,
  namespaceIndex,
  type Pod,
  PODS,
  type Resource,
  SERVICES,
  type SharedInformer,
  splitKey,
} from "../../../kube/client/mod.ts";
import { deepEqual } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import {
  findPort,
  isHeadless,
  managedSelector,
  podHostname,
  podReady,
  podRef,
  selectedPods,
  servicesSelecting,
  shouldBeInEndpoints,
} from "./endpoint_pods.ts";
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Service } from "./types.ts";
import { compareStrings } from "../../../kube/order.ts";

const SERVICES_T = SERVICES as Resource<Service>;
const ENDPOINTS_T = ENDPOINTS as Resource<Endpoints>;

/** Endpoints the endpointslice mirroring controller must not copy. */
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** Computes the subsets of a service from its pods. */
export function endpointSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; not: EndpointAddress[] }
  >();
  const add = (ports: EndpointPort[], addr: EndpointAddress, ready: boolean) => {
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { ports, ready: [], not: [] });
    (ready ? g.ready : g.not).push(addr);
  };
  for (const pod of pods) {
    if (!shouldBeInEndpoints(pod, publishNotReady)) continue;
    const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
    if (!ip) continue;
    const addr: EndpointAddress = { ip };
    const hostname = podHostname(pod, svc);
    if (hostname) addr.hostname = hostname;
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    addr.targetRef = podRef(pod);
    const ready = publishNotReady || podReady(pod);
    const svcPorts = svc.spec?.ports ?? [];
    if (!svcPorts.length) {
      if (isHeadless(svc)) add([], addr, ready);
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      add([ep], addr, ready);
    }
  }
  // Repack: addresses with the same port set share one subset (`RepackSubsets`).
  const byAddresses = new Map<string, EndpointSubset>();
  const addrKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ""}`;
  const perAddr = new Map<
    string,
    { addr: EndpointAddress; ready: boolean; ports: EndpointPort[] }
  >();
  for (const g of groups.values()) {
    for (const [list, ready] of [[g.ready, true], [g.not, false]] as const) {
      for (const a of list) {
        const k = `${addrKey(a)}/${ready}`;
        const e = perAddr.get(k) ?? { addr: a, ready, ports: [] };
        e.ports.push(...g.ports);
        perAddr.set(k, e);
      }
    }
  }
  for (const e of perAddr.values()) {
    e.ports.sort((a, b) => compareStrings(a.name ?? "", b.name ?? "") || a.port - b.port);
    const k = JSON.stringify(e.ports);
    let s = byAddresses.get(k);
    if (!s) byAddresses.set(k, s = e.ports.length ? { ports: e.ports } : {});
    const field = e.ready ? "addresses" : "notReadyAddresses";
    (s[field] ??= []).push(e.addr);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) =>
    compareStrings(a.ip, b.ip) || compareStrings(a.targetRef?.uid ?? "", b.targetRef?.uid ?? "");
  const out = [...byAddresses.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, s]) => s);
  for (const s of out) {
    s.addresses?.sort(byIp);
    s.notReadyAddresses?.sort(byIp);
  }
  return out;
}

/** The labels of a service's Endpoints. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels, [SKIP_MIRROR_LABEL]: "true" };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** Keeps each selecting service's Endpoints in step with its pods. */
export class EndpointsController extends Controller {
  readonly #services: SharedInformer<Service>;
  readonly #pods: SharedInformer<Pod>;
  readonly #endpoints: SharedInformer<Endpoints>;

  constructor(config: ControllerConfig) {
    super(config);
    const indexers = { [BY_NAMESPACE]: namespaceIndex };
    this.#services = this.watch(SERVICES_T, { indexers });
    this.#pods = this.watch(PODS, {
      indexers,
      keys: (pod) => servicesSelecting(pod, this.#services.store),
    });
    this.#endpoints = this.watch(ENDPOINTS_T);
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.#services.store.get(key);
    const current = this.#endpoints.store.get(key);
    if (!svc) {
      // The service is gone: so are its endpoints (upstream deletes them by name).
      if (!current) return;
      try {
        await this.client.delete(ENDPOINTS_T, name, { namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!managedSelector(svc)) return;
    const subsets = endpointSubsets(svc, selectedPods(svc, this.#pods.store));
    const labels = endpointsLabels(svc);
    if (!current) {
      try {
        await this.client.create(ENDPOINTS_T, { metadata: { name, namespace, labels }, subsets });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        throw new Error(`Cannot create endpoints ${key}: they exist already (cache behind)`);
      }
      return;
    }
    if (
      deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata.labels ?? {}, labels)
    ) {
      return;
    }
    await this.client.update(ENDPOINTS_T, {
      ...current,
      metadata: { ...current.metadata, labels },
      subsets,
    });
  }
}
