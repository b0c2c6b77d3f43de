/**
 * `endpoints`: addresses and ports of a service's backends, with upstream's ENDPOINTS column
 * (`10.42.0.5:80,10.42.0.6:80 + 3 more...`).
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { isIP } from "node:net";
import type { ResourceDef } from "../../resource.ts";
import { column } from "./columns.ts";
import { portNameErrors, portNumberErrors } from "./container_validation.ts";
import { checkEnum, invalidField, objs, required, setDefault, str } from "./util.ts";

const MAX_SHOWN = 3;
const DEPRECATED = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/** Upstream's `formatEndpoints` with no port filter. */
export function formatEndpoints(o: KubeObject): string {
  const subsets = objs(o.subsets);
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = objs(ss.addresses);
    const ports = objs(ss.ports);
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === MAX_SHOWN) more = true;
        if (!more) list.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === MAX_SHOWN) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a.ip), Number(port.port ?? 0)));
      }
    }
  }
  const text = list.join(",");
  return more ? `${text} + ${count - MAX_SHOWN} more...` : text;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function validate(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(o.subsets).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    for (const key of ["addresses", "notReadyAddresses"]) {
      objs(ss[key]).forEach((a, j) => {
        const ip = str(a.ip);
        if (!isIP(ip)) {
          errs.push(
            invalidField(
              `${p}.${key}[${j}].ip`,
              ip,
              "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ),
          );
        }
      });
    }
    const ports = objs(ss.ports);
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(required(`${pp}.name`));
      if (name) {
        for (const d of portNameErrors(name)) errs.push(invalidField(`${pp}.name`, name, d));
      }
      errs.push(...portNumberErrors(port.port, `${pp}.port`, true));
      errs.push(...checkEnum(port.protocol, ["SCTP", "TCP", "UDP"], `${pp}.protocol`));
    });
  });
  return errs;
}

function prepare(o: KubeObject): void {
  for (const ss of objs(o.subsets)) {
    for (const port of objs(ss.ports)) setDefault(port, "protocol", "TCP");
  }
}

export function endpointsResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "Endpoints",
    plural: "endpoints",
    singular: "endpoints",
    namespaced: true,
    shortNames: ["ep"],
    strategy: {
      prepareForCreate: prepare,
      prepareForUpdate: prepare,
      validate,
      warnings: () => [DEPRECATED],
    },
    columns: [
      column("Endpoints", formatEndpoints, { description: "Endpoints of the service" }),
    ],
  };
}
