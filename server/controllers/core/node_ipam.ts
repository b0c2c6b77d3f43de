/**
 * {@link NodeIpamController}: upstream's range allocator (`pkg/controller/nodeipam`). Each node
 * without `spec.podCIDRs` gets the lowest free `/24` (IPv4; `/64` for IPv6) of each
 * `--cluster-cidr`, one per family. The allocation lives only in the nodes themselves: at start
 * (each leadership term) every node's existing ranges are marked used before anything is
 * handed out, so a restart never gives one range twice; a deleted node's range is freed.
 *
 * @module
 */
import { isNotFound, type Node, NODES, type SharedInformer } from "../../../kube/client/mod.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { type Cidr, formatCidr, parseCidr, subnet, subnetCount, subnetIndex } from "./cidr.ts";

/** Options of {@linkcode NodeIpamController}. */
export interface NodeIpamConfig extends ControllerConfig {
  /** `--cluster-cidr` (default `10.42.0.0/16`); at most one range per family. */
  clusterCidr?: readonly string[];
  /** `--node-cidr-mask-size-ipv4` (default 24). */
  nodeMaskIpv4?: number;
  /** `--node-cidr-mask-size-ipv6` (default 64). */
  nodeMaskIpv6?: number;
}

interface RangeState {
  range: Cidr;
  size: number;
  /** Index → node name. */
  used: Map<number, string>;
}

/** Hands out pod ranges to nodes. */
export class NodeIpamController extends Controller {
  readonly #nodes: SharedInformer<Node>;
  readonly #ranges: RangeState[];
  #seeded = false;

  constructor(config: NodeIpamConfig) {
    super(config);
    const cidrs = (config.clusterCidr?.length ? config.clusterCidr : ["10.42.0.0/16"])
      .flatMap((c) => c.split(","))
      .filter(Boolean);
    this.#ranges = cidrs.map((text) => {
      const range = parseCidr(text);
      const size = range.family === 4 ? config.nodeMaskIpv4 ?? 24 : config.nodeMaskIpv6 ?? 64;
      if (size < range.prefix) {
        throw new Error(`Cannot allocate /${size} node ranges from ${text}: it is smaller`);
      }
      return { range, size, used: new Map() };
    });
    if (new Set(this.#ranges.map((r) => r.range.family)).size !== this.#ranges.length) {
      throw new Error(`Cannot use cluster CIDRs ${cidrs.join(",")}: one per IP family at most`);
    }
    this.#nodes = this.watch(NODES, {
      updateFilter: (a, b) => !sameCidrs(a, b),
    });
  }

  /** Marks a node's ranges as used by it. */
  #occupy(node: Node): void {
    for (const text of cidrsOf(node)) {
      let c: Cidr;
      try {
        c = parseCidr(text);
      } catch {
        continue;
      }
      for (const r of this.#ranges) {
        const i = subnetIndex(r.range, r.size, c);
        if (i >= 0) r.used.set(i, node.metadata.name!);
      }
    }
  }

  #seed(): void {
    for (const node of this.#nodes.store.list()) this.#occupy(node);
    this.#seeded = true;
  }

  protected async reconcile(name: string): Promise<void> {
    if (!this.#seeded) this.#seed();
    const node = this.#nodes.store.get(name);
    if (!node) {
      // Free what the deleted node held.
      for (const r of this.#ranges) {
        for (const [i, holder] of r.used) if (holder === name) r.used.delete(i);
      }
      return;
    }
    if (cidrsOf(node).length) {
      this.#occupy(node);
      return;
    }
    const picked: { r: RangeState; i: number }[] = [];
    for (const r of this.#ranges) {
      // A range given earlier whose write the cache has not shown yet is given again.
      const held = [...r.used].find(([, holder]) => holder === name);
      if (held) {
        picked.push({ r, i: held[0] });
        continue;
      }
      const total = subnetCount(r.range, r.size);
      let i = 0;
      while (i < total && r.used.has(i)) i++;
      if (i >= total) {
        this.recorder.event(
          node,
          "Normal",
          "CIDRNotAvailable",
          `Node ${name} status is now: CIDRNotAvailable`,
        );
        throw new Error(
          `Cannot allocate a pod range to node ${name}: ${formatCidr(r.range)} is full`,
        );
      }
      picked.push({ r, i });
    }
    for (const { r, i } of picked) r.used.set(i, name);
    const podCIDRs = picked.map(({ r, i }) => formatCidr(subnet(r.range, r.size, i)));
    try {
      await this.client.patch(NODES, name, { spec: { podCIDR: podCIDRs[0], podCIDRs } }, "merge");
      this.log.info(`node ${name} gets pod ranges ${podCIDRs.join(",")}`);
    } catch (err) {
      if (isNotFound(err)) {
        for (const { r, i } of picked) r.used.delete(i);
        return;
      }
      throw err;
    }
  }
}

function cidrsOf(node: Node): string[] {
  const spec = node.spec ?? {};
  if (spec.podCIDRs?.length) return spec.podCIDRs;
  return spec.podCIDR ? [spec.podCIDR] : [];
}

function sameCidrs(a: Node, b: Node): boolean {
  return cidrsOf(a).join(",") === cidrsOf(b).join(",");
}
