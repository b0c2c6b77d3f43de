/**
 * The body of `/v1-k3s/config`: the subset of K3s's `config.Control` an agent needs, encoded as
 * Go's `encoding/json` encodes that struct (field names as declared, `net.IP` as text, `*net.IPNet`
 * as `{"IP": ..., "Mask": <base64>}`), so that agents written against K3s read it unchanged.
 * Secrets (tokens, the IPsec key) are never part of it.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { formatIp, parseCidr, parseIp } from "../apiserver/resources/core/service_ip.ts";

/** What the server knows that agents must agree with. */
export interface AgentConfigInput {
  clusterCidrs: readonly string[];
  serviceCidrs: readonly string[];
  /** `--cluster-dns`; defaults to the 10th address of the first service CIDR. */
  clusterDns?: readonly string[];
  clusterDomain: string;
  /** The port agents and kubectl reach the server at (supervisor and API server alike). */
  httpsPort: number;
  advertiseIp: string;
  nodePortRange: readonly [number, number];
  disabled: readonly string[];
  disableScheduler: boolean;
  serverNodeName: string;
  dataDir: string;
}

/** Go's JSON of a `*net.IPNet`. */
export interface GoIpNet {
  IP: string;
  Mask: string;
}

/** `10.42.0.0/16` as Go's `net.ParseCIDR` + `encoding/json` give it. */
export function goIpNet(cidr: string): GoIpNet {
  const range = parseCidr(cidr);
  const width = range.family === "IPv4" ? 32 : 128;
  const bits = width - (range.size.toString(2).length - 1);
  const mask = new Uint8Array(width / 8);
  for (let i = 0; i < bits; i++) mask[i >> 3] |= 0x80 >> (i & 7);
  return { IP: formatIp(range.base, range.family), Mask: Buffer.from(mask).toString("base64") };
}

/** The `n`th address of a CIDR (`10.43.0.0/16`, 10 → `10.43.0.10`). */
export function nthIp(cidr: string, n: number): string {
  const range = parseCidr(cidr);
  return formatIp(range.base + BigInt(n), range.family);
}

function split(list: readonly string[]): string[] {
  return list.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
}

/** The agent config document. */
export function agentConfig(input: AgentConfigInput): Record<string, unknown> {
  const clusterCidrs = split(input.clusterCidrs);
  const serviceCidrs = split(input.serviceCidrs);
  const dns = split(input.clusterDns ?? []);
  const clusterDns = dns.length ? dns : serviceCidrs.slice(0, 1).map((c) => nthIp(c, 10));
  for (const ip of clusterDns) {
    if (!parseIp(ip)) throw new Error(`Cannot use cluster DNS address "${ip}": not an IP`);
  }
  const [low, high] = input.nodePortRange;
  const disables: Record<string, boolean> = {};
  for (const d of input.disabled) disables[d] = true;
  return {
    ClusterDNSs: clusterDns,
    ClusterIPRanges: clusterCidrs.map(goIpNet),
    ClusterDNS: clusterDns[0] ?? null,
    ClusterDomain: input.clusterDomain,
    ClusterIPRange: clusterCidrs[0] ? goIpNet(clusterCidrs[0]) : null,
    DisableCCM: true,
    DisableHelmController: true,
    DisableNPC: false,
    DisableServiceLB: input.disabled.includes("servicelb"),
    EncryptSecrets: false,
    EmbeddedRegistry: false,
    FlannelBackend: "vxlan",
    FlannelIPv6Masq: false,
    FlannelExternalIP: false,
    EgressSelectorMode: "disabled",
    ServiceIPRange: serviceCidrs[0] ? goIpNet(serviceCidrs[0]) : null,
    ServiceIPRanges: serviceCidrs.map(goIpNet),
    AdvertisePort: input.httpsPort,
    AdvertiseIP: input.advertiseIp,
    HTTPSPort: input.httpsPort,
    SupervisorPort: input.httpsPort,
    APIServerPort: input.httpsPort,
    APIServerBindAddress: "",
    ServiceNodePortRange: { Base: low, Size: high - low + 1 },
    DataDir: input.dataDir,
    Disables: disables,
    DisableAPIServer: false,
    DisableControllerManager: false,
    DisableETCD: true,
    DisableKubeProxy: false,
    DisableScheduler: input.disableScheduler,
    SystemDefaultRegistry: "",
    ServerNodeName: input.serverNodeName,
  };
}
