/**
 * A container's environment, as upstream's `makeEnvironmentVariables`: service links,
 * `envFrom` (config maps and secrets, with a prefix), then `env` with literal values,
 * `$(VAR)` references to earlier variables, and `valueFrom` config map keys, secret keys,
 * pod fields and resource fields. Missing non-optional sources fail with the message
 * upstream shows as `CreateContainerConfigError`.
 *
 * @module
 */
import type { Container, Pod } from "../../kube/client/types.ts";
import { parseQuantity } from "../../kube/quantity.ts";

/** Where referenced objects come from (the API, through the kubelet's cache). */
export interface EnvSources {
  /** A config map's data, or `undefined` when it does not exist. */
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** A secret's data, decoded, or `undefined` when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** `{NAME}_SERVICE_HOST`-style variables of the pod's namespace's services. */
  serviceEnv(namespace: string, enableServiceLinks: boolean): Promise<Record<string, string>>;
  /** The node's allocatable cpu (millicores) and memory (bytes): a missing limit's value. */
  allocatable: { milliCpu: number; memory: number; ephemeralStorage: number };
}

/** A failure the user must fix in the spec or the referenced objects. */
export class ContainerConfigError extends Error {}

interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: KeyRef;
    secretKeyRef?: KeyRef;
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
  };
}

interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

/** Expands `$(VAR)` with `vars`; `$$` escapes; unknown references stay as written. */
export function expandVars(text: string, vars: Record<string, string>): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "$" || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const end = text.indexOf(")", i + 2);
      if (end < 0) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, end);
      out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
      i = end;
    } else out += ch;
  }
  return out;
}

/** The value of a `fieldRef` path for the pod. */
export function podFieldValue(pod: Pod, path: string, podIps: string[], hostIps: string[]) {
  const meta = pod.metadata;
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? meta.labels : meta.annotations)?.[m[2]] ?? "";
  switch (path) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return String(pod.spec?.serviceAccountName ?? "");
    case "status.hostIP":
      return hostIps[0] ?? "";
    case "status.hostIPs":
      return hostIps.join(",");
    case "status.podIP":
      return podIps[0] ?? "";
    case "status.podIPs":
      return podIps.join(",");
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

/** `key="value"` lines, sorted, as the downward API writes label and annotation maps. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map![k])}`).join("\n");
}

/** The value of a `resourceFieldRef` for a container of the pod. */
export function resourceFieldValue(
  pod: Pod,
  containerName: string,
  resource: string,
  divisor: string | undefined,
  allocatable: EnvSources["allocatable"],
): string {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const container = all.find((c) => c.name === containerName);
  if (!container) throw new ContainerConfigError(`container ${containerName} not found`);
  const [kind, name] = resource.split(".", 2);
  const list = kind === "limits" ? container.resources?.limits : container.resources?.requests;
  const raw = list?.[name];
  const div = parseQuantity(divisor && divisor !== "0" ? divisor : name === "cpu" ? "1" : "1");
  if (name === "cpu") {
    const milli = raw !== undefined
      ? parseQuantity(String(raw)).milliValue()
      : kind === "limits"
      ? allocatable.milliCpu
      : 0;
    return String(Math.ceil(milli / div.milliValue()));
  }
  if (name === "memory" || name === "ephemeral-storage") {
    const fallback = name === "memory" ? allocatable.memory : allocatable.ephemeralStorage;
    const value = raw !== undefined
      ? parseQuantity(String(raw)).value()
      : kind === "limits"
      ? fallback
      : 0;
    return String(Math.ceil(value / div.value()));
  }
  throw new ContainerConfigError(`unsupported container resource: ${resource}`);
}

/** The container's environment, in order. */
export async function resolveEnv(
  pod: Pod,
  container: Container,
  sources: EnvSources,
  ips: { podIps: string[]; hostIps: string[] },
): Promise<{ key: string; value: string }[]> {
  const ns = pod.metadata.namespace!;
  const vars: Record<string, string> = {};
  const order: string[] = [];
  const set = (k: string, v: string) => {
    if (!Object.hasOwn(vars, k)) order.push(k);
    vars[k] = v;
  };
  const links = pod.spec?.enableServiceLinks !== false;
  for (const [k, v] of Object.entries(await sources.serviceEnv(ns, links))) set(k, v);

  for (const from of (container.envFrom ?? []) as EnvFromSource[]) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? "";
      const data = await sources.configMap(ns, name);
      if (!data) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries(data)) set(prefix + k, v);
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? "";
      const data = await sources.secret(ns, name);
      if (!data) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(data)) set(prefix + k, v);
    }
  }

  for (const env of (container.env ?? []) as EnvVar[]) {
    const from = env.valueFrom;
    if (!from) {
      set(env.name, expandVars(env.value ?? "", vars));
      continue;
    }
    if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const data = await sources.configMap(ns, ref.name ?? "");
      if (!data) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`configmap "${ref.name}" not found`);
      }
      if (!Object.hasOwn(data, ref.key)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`,
        );
      }
      set(env.name, data[ref.key]);
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      const data = await sources.secret(ns, ref.name ?? "");
      if (!data) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`secret "${ref.name}" not found`);
      }
      if (!Object.hasOwn(data, ref.key)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
      }
      set(env.name, data[ref.key]);
    } else if (from.fieldRef) {
      set(env.name, podFieldValue(pod, from.fieldRef.fieldPath, ips.podIps, ips.hostIps));
    } else if (from.resourceFieldRef) {
      const ref = from.resourceFieldRef;
      set(
        env.name,
        resourceFieldValue(
          pod,
          ref.containerName || container.name,
          ref.resource,
          ref.divisor,
          sources.allocatable,
        ),
      );
    }
  }
  return order.map((key) => ({ key, value: vars[key] }));
}

/** Upstream's service link variables for one service. */
export function serviceLinkEnv(
  name: string,
  clusterIP: string,
  ports: { name?: string; port: number; protocol?: string }[],
): Record<string, string> {
  const prefix = name.toUpperCase().replaceAll("-", "_");
  const out: Record<string, string> = {};
  if (!clusterIP || clusterIP === "None" || ports.length === 0) return out;
  out[`${prefix}_SERVICE_HOST`] = clusterIP;
  out[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
  for (const p of ports) {
    if (p.name) {
      out[`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replaceAll("-", "_")}`] = String(p.port);
    }
  }
  const first = ports[0];
  const proto = (first.protocol ?? "TCP").toLowerCase();
  out[`${prefix}_PORT`] = `${proto}://${clusterIP}:${first.port}`;
  for (const p of ports) {
    const pr = p.protocol ?? "TCP";
    const base = `${prefix}_PORT_${p.port}_${pr}`;
    out[base] = `${pr.toLowerCase()}://${clusterIP}:${p.port}`;
    out[`${base}_PROTO`] = pr.toLowerCase();
    out[`${base}_PORT`] = String(p.port);
    out[`${base}_ADDR`] = clusterIP;
  }
  return out;
}
