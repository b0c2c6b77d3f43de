/**
 * Allocation of service ClusterIPs and NodePorts through the server's atomic `claim`: a requested
 * value is claimed as is; otherwise random picks, preferring the upper part of the range as
 * upstream does (the lower part is left for values users choose), probing forward when taken.
 *
 * @module
 */
import { internalError } from "../../../../kube/errors.ts";
import { formatIp, type IpRange, offsetOf, parseCidr, usableOffsets } from "./service_ip.ts";

export type ClaimKind = "serviceip" | "nodeport";

/** What the core resources need from the server. */
export interface CoreDeps {
  /** `--service-cidr`, e.g. `10.43.0.0/16` (the first of a dual-stack pair is used). */
  serviceCidr: string;
  /** `--service-node-port-range`, inclusive, e.g. [30000, 32767]. */
  nodePortRange: [number, number];
  /** Atomic create-if-absent in the datastore: true when this caller got `id`. */
  claim(kind: ClaimKind, id: string): Promise<boolean>;
  release(kind: ClaimKind, id: string): Promise<void>;
}

/** Why a requested value could not be had. */
export type ClaimResult = "ok" | "taken" | "out-of-range";

/** A claimed value, to release if the write fails. */
export interface Claimed {
  kind: ClaimKind;
  id: string;
}

const MAX_PROBES = 1 << 16;

export class Allocator {
  readonly range: IpRange;
  readonly ports: [number, number];
  #deps: CoreDeps;

  constructor(deps: CoreDeps) {
    this.#deps = deps;
    this.range = parseCidr(deps.serviceCidr);
    this.ports = deps.nodePortRange;
  }

  /** `10.43.0.0/16`, as upstream names the valid range in errors. */
  get cidr(): string {
    return this.range.cidr;
  }

  inIpRange(ip: string): boolean {
    return offsetOf(this.range, ip) !== undefined;
  }

  inPortRange(port: number): boolean {
    return port >= this.ports[0] && port <= this.ports[1];
  }

  async claimIp(ip: string): Promise<ClaimResult> {
    if (!this.inIpRange(ip)) return "out-of-range";
    return (await this.#deps.claim("serviceip", ip)) ? "ok" : "taken";
  }

  async claimPort(port: number): Promise<ClaimResult> {
    if (!this.inPortRange(port)) return "out-of-range";
    return (await this.#deps.claim("nodeport", String(port))) ? "ok" : "taken";
  }

  /** A free ClusterIP (never the first address, which belongs to the `kubernetes` service). */
  async allocateIp(dryRun: boolean): Promise<string> {
    const { last } = usableOffsets(this.range);
    const off = await pick(2n, last, band(last - 1n, 16n, 256n), async (o) => {
      return dryRun || await this.#deps.claim("serviceip", this.#ip(o));
    });
    if (off === undefined) throw internalError("failed to allocate a serviceIP: range is full");
    return this.#ip(off);
  }

  /** A free NodePort. */
  async allocatePort(dryRun: boolean): Promise<number> {
    const [lo, hi] = this.ports;
    const size = BigInt(hi - lo + 1);
    const off = await pick(0n, size - 1n, band(size, 16n, 128n, 32n), async (o) => {
      return dryRun || await this.#deps.claim("nodeport", String(lo + Number(o)));
    });
    if (off === undefined) {
      throw internalError(`failed to allocate a nodePort: range is full`);
    }
    return lo + Number(off);
  }

  async release(items: Iterable<Claimed>): Promise<void> {
    for (const c of items) await this.#deps.release(c.kind, c.id);
  }

  #ip(offset: bigint): string {
    return formatIp(this.range.base + offset, this.range.family);
  }
}

/** Upstream's static band: min(max(min, size/step), max) values at the bottom of a range. */
function band(size: bigint, min: bigint, max: bigint, step = 16n): bigint {
  const b = size / step;
  return b < min ? min : b > max ? max : b;
}

/**
 * Picks an offset in [first, last]: random starts in the dynamic (upper) part probing forward,
 * then the static (lower) part; undefined when every try is refused.
 */
async function pick(
  first: bigint,
  last: bigint,
  staticBand: bigint,
  tryTake: (offset: bigint) => Promise<boolean>,
): Promise<bigint | undefined> {
  if (last < first) return undefined;
  const total = last - first + 1n;
  const split = total > staticBand * 2n ? first + staticBand : first;
  const parts: [bigint, bigint][] = split > first
    ? [[split, last], [first, split - 1n]]
    : [[first, last]];
  let probes = 0;
  for (const [lo, hi] of parts) {
    const n = hi - lo + 1n;
    const start = randomBelow(n);
    for (let i = 0n; i < n && probes < MAX_PROBES; i++, probes++) {
      const off = lo + ((start + i) % n);
      if (await tryTake(off)) return off;
    }
  }
  return undefined;
}

function randomBelow(n: bigint): bigint {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return ((BigInt(words[0]) << 32n) | BigInt(words[1])) % n;
}
