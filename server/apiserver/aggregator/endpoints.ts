/**
 * Where an APIService's Service is reached from the host the API server runs on: an address and
 * port of a ready endpoint (EndpointSlices first, then the Endpoints object), as upstream's
 * `ResolveEndpoint` does; an ExternalName Service is dialled by its name. The reasons an
 * APIService is unavailable for want of a backend come from here.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/meta.ts";
import type { ObjectLookup } from "../authn/lookup.ts";
import { obj, objs, str } from "../resources/core/util.ts";

/** The Service an APIService names. */
export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

/** A backend to dial; `serverName` is what its serving certificate must name. */
export interface BackendTarget {
  host: string;
  port: number;
  serverName: string;
}

/** A backend, or why there is none (an APIService condition reason and message). */
export type Resolution =
  | { target: BackendTarget }
  | { reason: "ServiceNotFound" | "ServicePortError" | "MissingEndpoints"; message: string };

const SERVICES = { group: "", plural: "services" };
const ENDPOINTS = { group: "", plural: "endpoints" };
const ENDPOINT_SLICES = { group: "discovery.k8s.io", plural: "endpointslices" };
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/** Ready addresses with the named port from the Service's EndpointSlices. */
function fromSlices(slices: KubeObject[], service: string, portName: string) {
  const out: { host: string; port: number }[] = [];
  for (const slice of slices) {
    if (slice.metadata.labels?.[SERVICE_NAME_LABEL] !== service) continue;
    const port = objs((slice as Record<string, unknown>).ports).find((p) =>
      str(p.name) === portName
    );
    if (typeof port?.port !== "number") continue;
    for (const e of objs((slice as Record<string, unknown>).endpoints)) {
      if (obj(e.conditions)?.ready === false) continue;
      for (const a of (e.addresses as string[] | undefined) ?? []) {
        out.push({ host: a, port: port.port });
      }
    }
  }
  return out;
}

/** Ready addresses with the named port from the Endpoints object. */
function fromEndpoints(ep: KubeObject | null, portName: string) {
  const out: { host: string; port: number }[] = [];
  for (const subset of objs((ep as Record<string, unknown> | null)?.subsets)) {
    const port = objs(subset.ports).find((p) => str(p.name) === portName);
    if (typeof port?.port !== "number") continue;
    for (const a of objs(subset.addresses)) out.push({ host: str(a.ip), port: port.port });
  }
  return out.filter((a) => a.host);
}

/** Resolves `ref` through the watch caches. */
export async function resolveService(lookup: ObjectLookup, ref: ServiceRef): Promise<Resolution> {
  const where = `service/${ref.name} in "${ref.namespace}"`;
  const svc = await lookup.get(SERVICES, ref.namespace, ref.name);
  if (!svc) return { reason: "ServiceNotFound", message: `${where} is not present` };
  const spec = obj(svc.spec) ?? {};
  const serverName = `${ref.name}.${ref.namespace}.svc`;
  if (spec.type === "ExternalName") {
    return { target: { host: str(spec.externalName), port: ref.port, serverName } };
  }
  const svcPort = objs(spec.ports).find((p) => p.port === ref.port);
  if (!svcPort) {
    return { reason: "ServicePortError", message: `${where} is not listening on port ${ref.port}` };
  }
  const portName = str(svcPort.name);
  let addrs = fromSlices(await lookup.list(ENDPOINT_SLICES, ref.namespace), ref.name, portName);
  if (!addrs.length) {
    addrs = fromEndpoints(await lookup.get(ENDPOINTS, ref.namespace, ref.name), portName);
  }
  if (!addrs.length) {
    return {
      reason: "MissingEndpoints",
      message: `endpoints for ${where} have no addresses with port name "${portName}"`,
    };
  }
  return { target: { ...pick(addrs), serverName } };
}
