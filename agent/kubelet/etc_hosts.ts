/**
 * The `/etc/hosts` the kubelet gives containers of pods with their own network (upstream's
 * managed hosts file): localhost entries, the pod's IPs with its hostname (and FQDN with a
 * `subdomain`), then `hostAliases`.
 *
 * @module
 */
import type { Pod } from "../../kube/client/types.ts";

export function etcHosts(pod: Pod, podIps: string[], clusterDomain = "cluster.local"): string {
  const spec = pod.spec!;
  const hostname = String(spec.hostname ?? pod.metadata.name);
  const names = spec.subdomain
    ? `${hostname}.${spec.subdomain}.${pod.metadata.namespace}.svc.${clusterDomain}\t${hostname}`
    : hostname;
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    ...podIps.map((ip) => `${ip}\t${names}`),
  ];
  const aliases = (spec.hostAliases ?? []) as { ip: string; hostnames?: string[] }[];
  if (aliases.length) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join("\t")}`);
  }
  return `${lines.join("\n")}\n`;
}
