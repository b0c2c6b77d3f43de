/**
 * CIDR arithmetic for node IPAM: parsing `a.b.c.d/n` and `x::/n`, and the i-th subnet of a
 * given size inside a range. Addresses are bigints so IPv6 needs no special case.
 *
 * @module
 */

/** A parsed CIDR. */
export interface Cidr {
  family: 4 | 6;
  /** The network address. */
  base: bigint;
  prefix: number;
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** Parses a CIDR; throws naming it when malformed. The base is masked to the prefix. */
export function parseCidr(text: string): Cidr {
  const [addr, len, extra] = text.trim().split("/");
  const family: 4 | 6 = addr.includes(":") ? 6 : 4;
  const v = family === 4 ? parseV4(addr) : parseV6(addr);
  const prefix = Number(len);
  if (
    v === undefined || extra !== undefined || !/^\d+$/.test(len ?? "") || prefix > bits(family)
  ) {
    throw new Error(`Cannot parse CIDR ${JSON.stringify(text)}`);
  }
  const host = bits(family) - prefix;
  return { family, base: (v >> BigInt(host)) << BigInt(host), prefix };
}

function formatAddr(family: 4 | 6, v: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - i * 16)) & 0xffffn));
  // The longest run of zero groups becomes "::".
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** `a.b.c.d/n`. */
export function formatCidr(c: Cidr): string {
  return `${formatAddr(c.family, c.base)}/${c.prefix}`;
}

/** How many subnets of `/size` the range holds. */
export function subnetCount(range: Cidr, size: number): number {
  if (size < range.prefix) return 0;
  const n = 1n << BigInt(size - range.prefix);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** The `i`-th subnet of `/size` in `range`. */
export function subnet(range: Cidr, size: number, i: number): Cidr {
  const host = BigInt(bits(range.family) - size);
  return { family: range.family, base: range.base + (BigInt(i) << host), prefix: size };
}

/** The index of `c` among the `/size` subnets of `range`, or -1 when it is not one of them. */
export function subnetIndex(range: Cidr, size: number, c: Cidr): number {
  if (c.family !== range.family || c.prefix !== size) return -1;
  const host = BigInt(bits(range.family) - range.prefix);
  if ((c.base >> host) !== (range.base >> host)) return -1;
  return Number((c.base - range.base) >> BigInt(bits(range.family) - size));
}
