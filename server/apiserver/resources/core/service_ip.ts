/**
 * IP arithmetic for the service CIDR: parsing, containment, and formatting addresses as
 * canonical strings (claims are keyed by the string, so one address has one spelling).
 *
 * @module
 */
import { isIP } from "node:net";

export type IpFamily = "IPv4" | "IPv6";

/** A service CIDR and the addresses in it that may be allocated. */
export interface IpRange {
  cidr: string;
  family: IpFamily;
  /** The network address. */
  base: bigint;
  /** Number of addresses in the CIDR. */
  size: bigint;
}

/** The address as a number, with its family; undefined when not an IP. */
export function parseIp(ip: string): { family: IpFamily; value: bigint } | undefined {
  const v = isIP(ip);
  if (v === 4) {
    const value = ip.split(".").reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
    return { family: "IPv4", value };
  }
  if (v === 6) {
    const url = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    const [head, tail] = url.split("::");
    const h = head ? head.split(":") : [];
    const t = tail === undefined ? [] : tail ? tail.split(":") : [];
    const groups = tail === undefined
      ? h
      : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    return {
      family: "IPv6",
      value: groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n),
    };
  }
  return undefined;
}

/** The canonical text of an address. */
export function formatIp(value: bigint, family: IpFamily): string {
  if (family === "IPv4") {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/** The first CIDR of a (possibly comma-separated, dual-stack) list; throws when malformed. */
export function parseCidr(text: string): IpRange {
  const cidr = text.split(",")[0].trim();
  const [addr, bitsText] = cidr.split("/");
  const ip = parseIp(addr ?? "");
  const width = ip?.family === "IPv4" ? 32 : 128;
  const bits = Number(bitsText);
  if (!ip || !/^\d+$/.test(bitsText ?? "") || bits > width - 2) {
    throw new Error(`Cannot use service CIDR "${text}": expected a network such as 10.43.0.0/16`);
  }
  const size = 1n << BigInt(width - bits);
  return { cidr, family: ip.family, base: (ip.value / size) * size, size };
}

/**
 * The offsets (from the network address) a service may use: 1 up to the last address, leaving
 * out the IPv4 broadcast address.
 */
export function usableOffsets(range: IpRange): { first: bigint; last: bigint } {
  return { first: 1n, last: range.family === "IPv4" ? range.size - 2n : range.size - 1n };
}

/** The offset of `ip` in `range` when it is a usable address there, else undefined. */
export function offsetOf(range: IpRange, ip: string): bigint | undefined {
  const parsed = parseIp(ip);
  if (!parsed || parsed.family !== range.family) return undefined;
  const off = parsed.value - range.base;
  const { first, last } = usableOffsets(range);
  return off >= first && off <= last ? off : undefined;
}
