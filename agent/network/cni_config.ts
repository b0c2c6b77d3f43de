/**
 * The pod network's CNI configuration, as a pure render: one `bridge` network on `cni0` with
 * `host-local` addresses from the node's pod CIDR, then `portmap` for `hostPort`s. The bridge does
 * not masquerade (`ipMasq` costs iptables runs for every pod): `masquerade.ts` does it once for
 * the node, as flannel does in K3s. containerd
 * loads it from `<data-dir>/agent/etc/cni/net.d/10-k3s.conflist` (it watches the directory) and
 * sets up each pod's loopback itself with the `loopback` plugin from the same plugin directory.
 *
 * Until a node IPAM controller fills `spec.podCIDR`, {@link fallbackPodCidr} picks a `/24` of
 * the cluster CIDR from the node name, the same one every time.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const CNI_CONFIG_FILE = "10-k3s.conflist";

export interface CniConfigOptions {
  /** The node's pod CIDR, e.g. `10.42.0.0/24`. */
  podCidr: string;
  /** The bridge's name; default `cni0`. */
  bridge?: string;
  /** host-local's state directory; default the plugin's own (`/var/lib/cni/networks`). */
  ipamDataDir?: string;
  /** The bridge plugin masquerades pod traffic itself, per pod; default false (`masquerade.ts`). */
  ipMasq?: boolean;
}

/** The conflist text (2-space JSON with a final newline). */
export function renderCniConfig(options: CniConfigOptions): string {
  const ipam: Record<string, unknown> = {
    type: "host-local",
    ranges: [[{ subnet: options.podCidr }]],
    routes: [{ dst: "0.0.0.0/0" }],
  };
  if (options.ipamDataDir) ipam.dataDir = options.ipamDataDir;
  const config = {
    cniVersion: "1.0.0",
    name: "cbr0",
    plugins: [
      {
        type: "bridge",
        bridge: options.bridge ?? "cni0",
        isGateway: true,
        forceAddress: true,
        ipMasq: options.ipMasq ?? false,
        hairpinMode: true,
        ipam,
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Writes the conflist atomically (containerd may read the directory at any time). */
export async function writeCniConfig(dir: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, CNI_CONFIG_FILE);
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
  return path;
}

/** Parses `a.b.c.d/n` (IPv4). */
export function parseIpv4Cidr(cidr: string): { base: number; bits: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits > 32) {
    throw new Error(`Cannot use "${cidr}": not an IPv4 CIDR`);
  }
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (address & mask) >>> 0, bits };
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** A `/24` of `clusterCidr` chosen by a hash of the node name (stable across restarts). */
export function fallbackPodCidr(nodeName: string, clusterCidr = "10.42.0.0/16"): string {
  const { base, bits } = parseIpv4Cidr(clusterCidr);
  if (bits > 24) throw new Error(`Cannot take a /24 from ${clusterCidr}: it is smaller`);
  const count = 2 ** (24 - bits);
  const digest = createHash("sha256").update(nodeName).digest();
  const index = digest.readUInt32BE(0) % count;
  return `${formatIpv4((base + index * 256) >>> 0)}/24`;
}
