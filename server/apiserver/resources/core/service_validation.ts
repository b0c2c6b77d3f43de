/**
 * Service validation with upstream's field paths and messages: type, ports, cluster IPs,
 * traffic policies, session affinity, and what an update may not change.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { isIP } from "node:net";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  validateLabels,
} from "../../../../kube/labels_validation.ts";
import { portNumberErrors, portNumOrNameErrors } from "./container_validation.ts";
import {
  externallyAccessible,
  hasClusterIP,
  needsClusterIP,
  needsHealthCheckPort,
} from "./service_defaults.ts";
import {
  arr,
  checkEnum,
  forbiddenField,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "./util.ts";

const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const IP_MESSAGE = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/** Field errors of a (defaulted) service. */
export function validateService(svc: KubeObject): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const errs: FieldError[] = [];
  const type = str(spec.type);
  if (!TYPES.includes(type)) errs.push(notSupported("spec.type", spec.type ?? "", TYPES));
  if (type === "ExternalName") {
    const name = str(spec.externalName).replace(/\.$/, "");
    if (!name) errs.push(required("spec.externalName"));
    else {for (const d of isDNS1123Subdomain(name)) {
        errs.push(invalidField("spec.externalName", spec.externalName, d));
      }}
  }
  const headless = str(spec.clusterIP) === "None";
  if (arr(spec.ports).length === 0 && !headless && type !== "ExternalName") {
    errs.push(required("spec.ports"));
  }
  errs.push(...validatePorts(spec));
  errs.push(...validateClusterIPs(spec));
  errs.push(...checkEnum(spec.sessionAffinity, ["ClientIP", "None"], "spec.sessionAffinity"));
  if (spec.sessionAffinity === "ClientIP") {
    const t = obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (typeof t === "number" && (t <= 0 || t > 86400)) {
      errs.push(
        invalidField(
          "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
          t,
          "must be greater than 0 and less than 86400",
        ),
      );
    }
  }
  errs.push(...validateLabels(obj(spec.selector) as Record<string, string>, "spec.selector"));
  arr(spec.externalIPs).forEach((ip, i) => {
    if (!isIP(str(ip))) errs.push(invalidField(`spec.externalIPs[${i}]`, ip, IP_MESSAGE));
  });
  if (externallyAccessible(spec)) {
    errs.push(
      ...checkEnum(spec.externalTrafficPolicy, ["Cluster", "Local"], "spec.externalTrafficPolicy"),
    );
  } else if (str(spec.externalTrafficPolicy)) {
    errs.push(
      invalidField(
        "spec.externalTrafficPolicy",
        spec.externalTrafficPolicy,
        "may only be set for externally-accessible services",
      ),
    );
  }
  if (hasClusterIP(spec)) {
    errs.push(
      ...checkEnum(spec.internalTrafficPolicy, ["Cluster", "Local"], "spec.internalTrafficPolicy"),
    );
    errs.push(
      ...checkEnum(
        spec.ipFamilyPolicy,
        ["PreferDualStack", "RequireDualStack", "SingleStack"],
        "spec.ipFamilyPolicy",
      ),
    );
    arr(spec.ipFamilies).forEach((f, i) => {
      errs.push(...checkEnum(f, ["IPv4", "IPv6"], `spec.ipFamilies[${i}]`));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && type !== "LoadBalancer") {
    errs.push(
      forbiddenField(
        "spec.allocateLoadBalancerNodePorts",
        "may only be used when `type` is 'LoadBalancer'",
      ),
    );
  }
  if (spec.healthCheckNodePort && !needsHealthCheckPort(spec)) {
    errs.push(
      invalidField(
        "spec.healthCheckNodePort",
        spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  }
  return errs;
}

function validatePorts(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ports = objs(spec.ports);
  const names = new Set<string>();
  const pairs = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = str(p.name);
    if (ports.length > 1 && !name) errs.push(required(`${path}.name`));
    if (name) {
      for (const d of isDNS1123Label(name)) errs.push(invalidField(`${path}.name`, name, d));
      if (names.has(name)) {
        errs.push({ type: "FieldValueDuplicate", field: `${path}.name`, value: name });
      }
      names.add(name);
    }
    errs.push(...portNumberErrors(p.port, `${path}.port`, true));
    errs.push(...checkEnum(p.protocol, PROTOCOLS, `${path}.protocol`));
    errs.push(...portNumOrNameErrors(p.targetPort, `${path}.targetPort`));
    const pair = `${p.port}/${p.protocol}`;
    if (pairs.has(pair)) {
      errs.push({
        type: "FieldValueDuplicate",
        field: path,
        value: { port: p.port, protocol: p.protocol },
      });
    }
    pairs.add(pair);
    if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
      if (spec.type === "ClusterIP") {
        errs.push(forbiddenField(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      } else errs.push(...portNumberErrors(p.nodePort, `${path}.nodePort`, false));
      const np = `${p.nodePort}/${p.protocol}`;
      if (nodePorts.has(np)) {
        errs.push({ type: "FieldValueDuplicate", field: `${path}.nodePort`, value: p.nodePort });
      }
      nodePorts.add(np);
    }
  });
  return errs;
}

function validateClusterIPs(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ips = arr(spec.clusterIPs);
  if (!hasClusterIP(spec)) {
    if (str(spec.clusterIP)) {
      errs.push(forbiddenField("spec.clusterIP", "may not be set for ExternalName services"));
    }
    if (ips.length) {
      errs.push(forbiddenField("spec.clusterIPs", "may not be set for ExternalName services"));
    }
    return errs;
  }
  if (str(spec.clusterIP) && ips.length && ips[0] !== spec.clusterIP) {
    errs.push(invalidField("spec.clusterIPs", ips, "first value must match `clusterIP`"));
  }
  if (ips.length > 1) {
    errs.push({
      type: "FieldValueTooMany",
      field: "spec.clusterIPs",
      detail: "must have at most 1 items",
    });
  }
  ips.forEach((ip, i) => {
    const text = str(ip);
    if (text === "None") {
      if (i > 0) errs.push(invalidField(`spec.clusterIPs[${i}]`, ip, IP_MESSAGE));
      else if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
        errs.push(
          invalidField(
            "spec.clusterIPs[0]",
            ip,
            `may not be set to 'None' for ${spec.type} services`,
          ),
        );
      }
    } else if (text && !isIP(text)) {
      errs.push(invalidField(`spec.clusterIPs[${i}]`, ip, IP_MESSAGE));
    }
  });
  return errs;
}

/** What a service update may not change: its cluster IP once set. */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (!hasClusterIP(oldSpec) || !hasClusterIP(spec)) return [];
  const before = str(arr(oldSpec.clusterIPs)[0] ?? oldSpec.clusterIP);
  const after = str(arr(spec.clusterIPs)[0] ?? spec.clusterIP);
  if (before && before !== after && (needsClusterIP(oldSpec) || before === "None")) {
    return [invalidField("spec.clusterIPs[0]", arr(spec.clusterIPs), "may not change once set")];
  }
  return [];
}
