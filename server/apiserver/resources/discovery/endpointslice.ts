/**
 * `discovery.k8s.io/v1` EndpointSlices: the backends of a service (linked to it by the
 * `kubernetes.io/service-name` label), with upstream's defaults (ports named "" over TCP),
 * validation by address type, an immutable address type, and the table `kubectl` prints.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidLabelValue,
  validateDNS1123Label,
  validateQualifiedName,
} from "../../../../kube/labels.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { parseIp } from "../core/service_ip.ts";
import { invalidField, notSupported, type Obj, objs, required, str } from "../core/util.ts";
import { immutable } from "../apps/workload.ts";

/** The label naming the service a slice belongs to. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** The label naming the controller that manages a slice. */
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_HINTS = 8;

function tooMany(field: string, actual: number, max: number): FieldError {
  return {
    type: "FieldValueTooMany",
    field,
    value: actual,
    detail: `must have at most ${max} items`,
  };
}

/** Upstream's v1 defaults: each port gets name "" and protocol TCP. */
export function defaultEndpointSlice(o: KubeObject): void {
  for (const port of objs(o.ports)) {
    if (port.name === undefined || port.name === null) port.name = "";
    if (port.protocol === undefined || port.protocol === null) port.protocol = "TCP";
  }
}

/**
 * The v1 API does not accept `deprecatedTopology` (only v1beta1 could write it), so it is dropped
 * whenever the endpoints change.
 */
function dropDeprecatedTopology(o: KubeObject, old?: KubeObject): void {
  if (old && deepEqual(o.endpoints, old.endpoints)) return;
  for (const ep of objs(o.endpoints)) delete ep.deprecatedTopology;
}

/** Errors for an EndpointSlice (upstream's `ValidateEndpointSlice`). */
export function validateEndpointSlice(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = o.addressType;
  if (type === undefined || type === null || type === "") errs.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(type as string)) {
    errs.push(notSupported("addressType", type, ADDRESS_TYPES));
  }
  errs.push(...validateEndpoints(objs(o.endpoints), str(type)));
  errs.push(...validatePorts(objs(o.ports)));
  return errs;
}

function validateEndpoints(endpoints: Obj[], addressType: string): FieldError[] {
  if (endpoints.length > MAX_ENDPOINTS) {
    return [tooMany("endpoints", endpoints.length, MAX_ENDPOINTS)];
  }
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addresses = Array.isArray(ep.addresses) ? ep.addresses : [];
    if (addresses.length === 0) {
      errs.push(required(`${path}.addresses`, "must contain at least 1 address"));
    } else if (addresses.length > MAX_ADDRESSES) {
      errs.push(tooMany(`${path}.addresses`, addresses.length, MAX_ADDRESSES));
    }
    addresses.forEach((a, j) => {
      errs.push(...validateAddress(str(a), addressType, `${path}.addresses[${j}]`));
    });
    if (typeof ep.nodeName === "string") {
      for (const msg of isDNS1123Subdomain(ep.nodeName)) {
        errs.push(invalidField(`${path}.nodeName`, ep.nodeName, msg));
      }
    }
    if (typeof ep.hostname === "string") {
      errs.push(...validateDNS1123Label(ep.hostname, `${path}.hostname`));
    }
    const hints = ep.hints as Obj | undefined;
    if (hints && typeof hints === "object") errs.push(...validateHints(hints, `${path}.hints`));
  });
  return errs;
}

/** Errors for one address of a slice of the given type (unknown types are not checked). */
export function validateAddress(address: string, addressType: string, field: string): FieldError[] {
  if (addressType === "FQDN") return validateFQDN(address, field);
  if (addressType !== "IPv4" && addressType !== "IPv6") return [];
  const ip = parseIp(address);
  // An IPv4-mapped IPv6 address counts as IPv4, as Go's To4() has it.
  const v4 = ip !== undefined && (ip.family === "IPv4" || ip.value >> 32n === 0xffffn);
  if (addressType === "IPv4" && !v4) {
    return [invalidField(field, address, "must be a valid IPv4 address")];
  }
  if (addressType === "IPv6" && (!ip || v4)) {
    return [invalidField(field, address, "must be a valid IPv6 address")];
  }
  return validateEndpointIP(address, ip!, v4, field);
}

function validateEndpointIP(
  address: string,
  ip: { family: string; value: bigint },
  v4: boolean,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const a = v4 ? ip.value & 0xffffffffn : ip.value;
  const inV4 = (base: number, bits: number) =>
    (a >> BigInt(32 - bits)) === BigInt(base >>> (32 - bits));
  const inV6 = (prefix: bigint, bits: number) => (a >> BigInt(128 - bits)) === prefix;
  if (a === 0n) errs.push(invalidField(field, address, `may not be unspecified (${address})`));
  if (v4 ? inV4(0x7f000000, 8) : a === 1n) {
    errs.push(
      invalidField(field, address, "may not be in the loopback range (127.0.0.0/8, ::1/128)"),
    );
  }
  if (v4 ? inV4(0xa9fe0000, 16) : inV6(0x3fan, 10)) {
    errs.push(
      invalidField(
        field,
        address,
        "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
      ),
    );
  }
  // IPv6: any multicast address (ff00::/8) with link-local scope, as Go's check.
  if (v4 ? inV4(0xe0000000, 24) : ((a >> 112n) & 0xff0fn) === 0xff02n) {
    errs.push(
      invalidField(
        field,
        address,
        "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
      ),
    );
  }
  return errs;
}

function validateFQDN(address: string, field: string): FieldError[] {
  if (address === "") return [required(field)];
  const name = address.endsWith(".") ? address.slice(0, -1) : address;
  const subdomain = isDNS1123Subdomain(name);
  if (subdomain.length > 0) return [invalidField(field, name, subdomain.join(","))];
  const labels = name.split(".");
  if (labels.length < 2) {
    return [
      invalidField(field, name, "should be a domain with at least two segments separated by dots"),
    ];
  }
  for (const label of labels) {
    const msgs = isDNS1123Label(label);
    if (msgs.length > 0) return [invalidField(field, label, msgs.join(","))];
  }
  return [];
}

function validateHints(hints: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const checks: [string, (v: string) => string[]][] = [
    ["forZones", isValidLabelValue],
    ["forNodes", isDNS1123Subdomain],
  ];
  for (const [key, check] of checks) {
    const list = objs(hints[key]);
    if (list.length > MAX_HINTS) {
      errs.push(tooMany(`${path}.${key}`, list.length, MAX_HINTS));
      continue;
    }
    const seen = new Set<string>();
    list.forEach((hint, i) => {
      const field = `${path}.${key}[${i}].name`;
      const name = str(hint.name);
      if (seen.has(name)) errs.push({ type: "FieldValueDuplicate", field, value: name });
      else seen.add(name);
      for (const msg of check(name)) errs.push(invalidField(field, name, msg));
    });
  }
  return errs;
}

function validatePorts(ports: Obj[]): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany("ports", ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = `ports[${i}]`;
    const name = str(port.name);
    if (name) errs.push(...validateDNS1123Label(name, `${path}.name`));
    if (names.has(name)) {
      errs.push({ type: "FieldValueDuplicate", field: `${path}.name`, value: name });
    } else names.add(name);
    if (port.protocol === undefined || port.protocol === null) {
      errs.push(required(`${path}.protocol`));
    } else if (!PROTOCOLS.includes(port.protocol as string)) {
      errs.push(notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
    }
    if (typeof port.appProtocol === "string") {
      errs.push(...validateQualifiedName(port.appProtocol, `${path}.appProtocol`));
    }
  });
  return errs;
}

/** Upstream's list of up to three items, then `+ N more...`, or `<unset>` when empty. */
function listWithMore(items: string[]): string {
  const shown = items.slice(0, 3).join(",");
  if (items.length > 3) return `${shown} + ${items.length - 3} more...`;
  return shown || "<unset>";
}

/** The PORTS column: port numbers (or names, or `*`). */
export function formatSlicePorts(o: KubeObject): string {
  return listWithMore(
    objs(o.ports).map((p) =>
      typeof p.port === "number" ? String(p.port) : typeof p.name === "string" ? p.name : "*"
    ),
  );
}

/** The ENDPOINTS column: the addresses of all endpoints. */
export function formatSliceEndpoints(o: KubeObject): string {
  return listWithMore(
    objs(o.endpoints).flatMap((ep) => (Array.isArray(ep.addresses) ? ep.addresses : []).map(str)),
  );
}

export const endpointSlices: ResourceDef = {
  group: "discovery.k8s.io",
  versions: ["v1"],
  kind: "EndpointSlice",
  plural: "endpointslices",
  singular: "endpointslice",
  namespaced: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      defaultEndpointSlice(o);
      dropDeprecatedTopology(o);
    },
    prepareForUpdate(o, old) {
      defaultEndpointSlice(o);
      dropDeprecatedTopology(o, old);
      // Labels select the slice's service, so changing them is a change of the slice.
      if (!deepEqual(o.metadata.labels ?? {}, old.metadata.labels ?? {})) {
        o.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    },
    validate: validateEndpointSlice,
    validateUpdate: (o, old) => immutable("addressType", o.addressType, old.addressType),
  },
  columns: [
    {
      name: "AddressType",
      type: "string",
      description:
        "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
      cell: (o) => str(o.addressType),
    },
    {
      name: "Ports",
      type: "string",
      description:
        'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
      cell: formatSlicePorts,
    },
    {
      name: "Endpoints",
      type: "string",
      description:
        "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
      cell: formatSliceEndpoints,
    },
  ],
};
