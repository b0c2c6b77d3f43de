/**
 * `networking.k8s.io/v1` Ingresses: HTTP routing from hosts and paths to services. Upstream's
 * validation of rules, paths, backends and TLS hosts, the class annotation that must agree with
 * `ingressClassName` on create, and the table `kubectl get` prints.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { isCreating, markCreating } from "../apps/create_marker.ts";
import { AGE_COLUMN, specView, statusView } from "../apps/workload.ts";
import { portNameErrors } from "../core/container_validation.ts";
import {
  arr,
  inclusiveRange,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";
import { isDNS1035Label, isIp, isWildcardDNS1123Subdomain } from "./names.ts";

/** The annotation that named an ingress's class before `spec.ingressClassName`. */
export const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
/** The annotation that makes an IngressClass the default for ingresses that name none. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];
const INVALID_PATH_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES = ["/..", "/."];

function hostErrors(host: string, field: string): FieldError[] {
  const msgs = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  return msgs.map((m) => invalidField(field, host, m));
}

/** A `TypedLocalObjectReference` (resource backends). */
export function validateTypedReference(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(ref.kind)) errs.push(required(`${path}.kind`));
  if (!str(ref.name)) errs.push(required(`${path}.name`));
  const group = ref.apiGroup;
  if (typeof group === "string" && group !== "") {
    for (const m of isDNS1123Subdomain(group)) {
      errs.push(invalidField(`${path}.apiGroup`, group, m));
    }
  }
  return errs;
}

/** Errors for one backend (upstream's `validateIngressBackend`). */
export function validateIngressBackend(backend: Obj, path: string): FieldError[] {
  const service = obj(backend.service);
  const resource = obj(backend.resource);
  if (service && resource) {
    return [invalidField(path, "", "cannot set both resource and service backends")];
  }
  if (resource) return validateTypedReference(resource, `${path}.resource`);
  if (!service) return [invalidField(path, "", "resource or service backend is required")];
  const errs: FieldError[] = [];
  const name = str(service.name);
  if (!name) errs.push(required(`${path}.service.name`));
  else {
    for (const m of isDNS1035Label(name)) errs.push(invalidField(`${path}.service.name`, name, m));
  }
  const port = obj(service.port) ?? {};
  const portName = str(port.name);
  const portNumber = typeof port.number === "number" ? port.number : 0;
  if (portName && portNumber) {
    errs.push(invalidField(path, "", "cannot set both port name & port number"));
  } else if (portName) {
    for (const m of portNameErrors(portName)) {
      errs.push(invalidField(`${path}.service.port.name`, portName, m));
    }
  } else if (portNumber) {
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
      errs.push(invalidField(`${path}.service.port.number`, portNumber, inclusiveRange(1, 65535)));
    }
  } else errs.push(required(path, "port name or number is required"));
  return errs;
}

function validatePath(p: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = str(p.path);
  const type = p.pathType;
  if (type === undefined || type === null || type === "") {
    errs.push(required(`${path}.pathType`, "pathType must be specified"));
  } else if (type === "Exact" || type === "Prefix") {
    if (!value.startsWith("/")) {
      errs.push(invalidField(`${path}.path`, value, "must be an absolute path"));
    }
    for (const seq of INVALID_PATH_SEQUENCES) {
      if (value.includes(seq)) {
        errs.push(invalidField(`${path}.path`, value, `must not contain '${seq}'`));
      }
    }
    for (const suffix of INVALID_PATH_SUFFIXES) {
      if (value.endsWith(suffix)) {
        errs.push(invalidField(`${path}.path`, value, `cannot end with '${suffix}'`));
      }
    }
  } else if (type === "ImplementationSpecific") {
    if (value !== "" && !value.startsWith("/")) {
      errs.push(invalidField(`${path}.path`, value, "must be an absolute path"));
    }
  } else errs.push(notSupported(`${path}.pathType`, type, PATH_TYPES));
  errs.push(...validateIngressBackend(obj(p.backend) ?? {}, `${path}.backend`));
  return errs;
}

/** Errors for an ingress spec (upstream's `ValidateIngressSpec`). */
export function validateIngressSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const rules = objs(spec.rules);
  const defaultBackend = obj(spec.defaultBackend);
  if (rules.length === 0 && !defaultBackend) {
    errs.push(
      invalidField(
        "spec",
        spec.rules ?? null,
        "either `defaultBackend` or `rules` must be specified",
      ),
    );
  }
  if (defaultBackend) errs.push(...validateIngressBackend(defaultBackend, "spec.defaultBackend"));
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const host = str(rule.host);
    if (host) {
      if (isIp(host)) {
        errs.push(invalidField(`${path}.host`, host, "must be a DNS name, not an IP address"));
      } else errs.push(...hostErrors(host, `${path}.host`));
    }
    const http = obj(rule.http);
    if (!http) return;
    const paths = objs(http.paths);
    if (paths.length === 0) errs.push(required(`${path}.http.paths`));
    paths.forEach((p, j) => errs.push(...validatePath(p, `${path}.http.paths[${j}]`)));
  });
  objs(spec.tls).forEach((tls, i) => {
    arr(tls.hosts).forEach((h, j) =>
      errs.push(...hostErrors(str(h), `spec.tls[${i}].hosts[${j}]`))
    );
    const secret = str(tls.secretName);
    for (const m of secret ? isDNS1123Subdomain(secret) : []) {
      errs.push(invalidField(`spec.tls[${i}].secretName`, secret, m));
    }
  });
  const className = spec.ingressClassName;
  if (typeof className === "string") {
    for (const m of isDNS1123Subdomain(className)) {
      errs.push(invalidField("spec.ingressClassName", className, m));
    }
  }
  return errs;
}

/** Create-only rule: the class annotation and field must agree when both are set. */
function validateClassAnnotation(o: KubeObject): FieldError[] {
  const annotation = o.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  const className = specView(o).ingressClassName;
  if (annotation === undefined || typeof className !== "string" || annotation === className) {
    return [];
  }
  return [
    invalidField(
      `annotations.${INGRESS_CLASS_ANNOTATION}`,
      annotation,
      "must match `ingressClassName` when both are specified",
    ),
  ];
}

/** `a.example.com,b.example.com + 2 more...`, `*` when no rule names a host. */
function formatHosts(rules: Obj[]): string {
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    const host = str(rule.host);
    if (!more && host) hosts.push(host);
  }
  if (hosts.length === 0) return "*";
  return more ? `${hosts.join(",")} + ${rules.length - max} more...` : hosts.join(",");
}

/**
 * The load balancer addresses, sorted and de-duplicated. (Upstream clips them to 16 bytes only
 * for client-side printing; tables are generated wide on the server.)
 */
function formatAddress(status: Obj): string {
  const set = new Set<string>();
  for (const ing of objs(obj(status.loadBalancer)?.ingress)) {
    const value = str(ing.ip) || str(ing.hostname);
    if (value) set.add(value);
  }
  return [...set].sort().join(",");
}

export const ingresses: ResourceDef = {
  group: "networking.k8s.io",
  versions: ["v1"],
  kind: "Ingress",
  plural: "ingresses",
  singular: "ingress",
  namespaced: true,
  shortNames: ["ing"],
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {};
      markCreating(o);
    },
    validate: (o) => [
      ...validateIngressSpec(specView(o)),
      ...(isCreating(o) ? validateClassAnnotation(o) : []),
    ],
  },
  columns: [
    {
      name: "Class",
      type: "string",
      description:
        "The name of the IngressClass resource that should be used for additional configuration",
      cell: (o) => str(specView(o).ingressClassName) || "<none>",
    },
    {
      name: "Hosts",
      type: "string",
      description: "Hosts that incoming requests are matched against before the ingress rule",
      cell: (o) => formatHosts(objs(specView(o).rules)),
    },
    {
      name: "Address",
      type: "string",
      description: "Address is a list containing ingress points for the load-balancer",
      cell: (o) => formatAddress(statusView(o)),
    },
    {
      name: "Ports",
      type: "string",
      description: "Ports of TLS configurations that open",
      cell: (o) => (objs(specView(o).tls).length ? "80, 443" : "80"),
    },
    AGE_COLUMN,
  ],
};
