/**
 * The CRI sandbox config of a pod (upstream's `generatePodSandboxConfig`): identity, hostname,
 * log directory, DNS from the pod's `dnsPolicy`, host ports, namespaces and the pod-level
 * security context.
 *
 * @module
 */
import type { Pod } from "../../kube/client/types.ts";
import type {
  DNSConfig,
  LinuxSandboxSecurityContext,
  PodSandboxConfig,
  PortMapping,
  Protocol,
} from "../../cri/types.ts";
import { sandboxLabels } from "./labels.ts";

export interface DnsSettings {
  /** `--cluster-dns` (from the server's agent config). */
  clusterDns: string[];
  clusterDomain: string;
  /** The node's `/etc/resolv.conf`, for `dnsPolicy: Default`. */
  host: { servers: string[]; searches: string[]; options: string[] };
}

/** `<pod-logs>/<namespace>_<name>_<uid>`. */
export function podLogDirectory(podLogs: string, pod: Pod): string {
  const m = pod.metadata;
  return `${podLogs}/${m.namespace}_${m.name}_${m.uid}`;
}

/** Parses resolv.conf text. */
export function parseResolvConf(text: string): DnsSettings["host"] {
  const host = { servers: [] as string[], searches: [] as string[], options: [] as string[] };
  for (const line of text.split("\n")) {
    const fields = line.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (fields[0] === "nameserver" && fields[1]) host.servers.push(fields[1]);
    if (fields[0] === "search") host.searches = fields.slice(1);
    if (fields[0] === "options") host.options.push(...fields.slice(1));
  }
  return host;
}

/** The pod's DNS config (upstream's `GetPodDNS`). */
export function podDns(pod: Pod, dns: DnsSettings): DNSConfig {
  const spec = pod.spec!;
  let policy = String(spec.dnsPolicy ?? "ClusterFirst");
  if (policy === "ClusterFirst" && spec.hostNetwork) policy = "Default";
  if (policy === "ClusterFirstWithHostNet") policy = "ClusterFirst";
  const custom = spec.dnsConfig as
    | { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] }
    | undefined;
  let config: DNSConfig;
  if (policy === "None") config = { servers: [], searches: [], options: [] };
  else if (policy === "Default" || dns.clusterDns.length === 0) {
    config = {
      servers: [...dns.host.servers],
      searches: [...dns.host.searches],
      options: [...dns.host.options],
    };
  } else {
    const ns = pod.metadata.namespace;
    const d = dns.clusterDomain;
    config = {
      servers: [...dns.clusterDns],
      searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...dns.host.searches],
      options: ["ndots:5"],
    };
  }
  if (custom) {
    config.servers = [...config.servers!, ...(custom.nameservers ?? [])];
    config.searches = [...config.searches!, ...(custom.searches ?? [])];
    const options = new Map(config.options!.map((o) => [o.split(":")[0], o]));
    for (const o of custom.options ?? []) {
      options.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    }
    config.options = [...options.values()];
  }
  config.searches = [...new Set(config.searches)].slice(0, 32);
  config.servers = config.servers!.slice(0, 3);
  return config;
}

/** Host ports of the pod's containers. */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({
        protocol: (p.protocol ?? "TCP") as Protocol,
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        hostIp: p.hostIP,
      });
    }
  }
  return out;
}

interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  fsGroup?: number;
  sysctls?: { name: string; value: string }[];
  seccompProfile?: { type: string; localhostProfile?: string };
}

/** The sandbox config of `pod`, attempt `attempt`. */
export function sandboxConfig(
  pod: Pod,
  attempt: number,
  options: { podLogs: string; dns: DnsSettings },
): PodSandboxConfig {
  const spec = pod.spec!;
  const meta = pod.metadata;
  const sc = (spec.securityContext ?? {}) as PodSecurityContext;
  const privileged = [...(spec.initContainers ?? []), ...spec.containers].some((c) =>
    (c.securityContext as { privileged?: boolean } | undefined)?.privileged
  );
  const security: LinuxSandboxSecurityContext = {
    namespaceOptions: {
      network: spec.hostNetwork ? "NODE" : "POD",
      pid: spec.hostPID ? "NODE" : spec.shareProcessNamespace ? "POD" : "CONTAINER",
      ipc: spec.hostIPC ? "NODE" : "POD",
    },
    privileged,
  };
  if (sc.runAsUser !== undefined) security.runAsUser = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) security.runAsGroup = { value: sc.runAsGroup };
  const groups = [
    ...(sc.supplementalGroups ?? []),
    ...(sc.fsGroup !== undefined ? [sc.fsGroup] : []),
  ];
  if (groups.length) security.supplementalGroups = groups;
  if (sc.seccompProfile?.type === "RuntimeDefault") {
    security.seccomp = { profileType: "RuntimeDefault" };
  }
  let hostname: string | undefined;
  if (!spec.hostNetwork) {
    hostname = String(spec.hostname ?? meta.name).slice(0, 63).replace(/[-.]+$/, "");
  }
  const sysctls = Object.fromEntries((sc.sysctls ?? []).map((s) => [s.name, s.value]));
  return {
    metadata: { name: meta.name!, namespace: meta.namespace!, uid: meta.uid!, attempt },
    hostname,
    logDirectory: podLogDirectory(options.podLogs, pod),
    dnsConfig: podDns(pod, options.dns),
    portMappings: portMappings(pod),
    labels: sandboxLabels(pod),
    annotations: { ...(meta.annotations ?? {}) },
    linux: { securityContext: security, sysctls },
  };
}
