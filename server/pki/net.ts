/**
 * Address helpers for certificate SANs.
 *
 * @module
 */

import { isIP } from "node:net";

function ipv6ToBigInt(ip: string): bigint {
  const expand = (part: string) =>
    part.split(":").filter(Boolean).flatMap((g) => {
      if (!g.includes(".")) return [g];
      const [a, b, c, d] = g.split(".").map(Number); // embedded IPv4, e.g. ::ffff:10.0.0.1
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const [head, tail] = ip.split("::");
  const h = expand(head);
  const t = tail === undefined ? [] : expand(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIpv6(n: bigint): string {
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/**
 * The first usable IP of a CIDR: the ClusterIP of the `kubernetes` Service
 * (`10.43.0.0/16` → `10.43.0.1`, `fd00:43::/112` → `fd00:43::1`).
 */
export function firstIpOf(cidr: string): string {
  const [address, bitsText] = cidr.trim().split("/");
  const version = isIP(address);
  const bits = Number(bitsText);
  const width = version === 4 ? 32 : 128;
  if (!version || !/^\d+$/.test(bitsText ?? "") || bits > width || bits >= width - 1) {
    throw new Error(`Cannot use CIDR "${cidr}": expected an IP network such as 10.43.0.0/16`);
  }
  if (version === 4) {
    const n = address.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
    const mask = bits === 0 ? 0 : Number((0xffffffffn << BigInt(32 - bits)) & 0xffffffffn);
    const first = ((n & mask) >>> 0) + 1;
    return [24, 16, 8, 0].map((s) => (first >>> s) & 255).join(".");
  }
  const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
  return bigIntToIpv6((ipv6ToBigInt(address) & mask) + 1n);
}
