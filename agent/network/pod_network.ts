/**
 * The node's pod network as the agent keeps it: the CNI config follows the Node's
 * `spec.podCIDR`, and until the node IPAM controller sets one, a `/24` chosen from the cluster
 * CIDR by the node name (said so in the log), and so does the node's masquerade rule
 * (`masquerade.ts`). Rewritten when the CIDR changes; unchanged otherwise.
 *
 * @module
 */
import type { Logger } from "../../kube/client/log.ts";
import {
  fallbackPodCidr,
  formatIpv4,
  parseIpv4Cidr,
  renderCniConfig,
  writeCniConfig,
} from "./cni_config.ts";
import { applyMasquerade } from "./masquerade.ts";

export interface PodNetworkOptions {
  nodeName: string;
  clusterCidr: string;
  cniConfDir: string;
  ipamDir: string;
  log: Logger;
  /** Masquerades traffic leaving the pod CIDR; {@link applyMasquerade} unless replaced. */
  masquerade?: (podCidr: string) => Promise<void>;
}

export class PodNetwork {
  readonly #o: PodNetworkOptions;
  #current: string | undefined;

  constructor(options: PodNetworkOptions) {
    this.#o = options;
  }

  /** The pod CIDR in use. */
  get podCidr(): string | undefined {
    return this.#current;
  }

  /** Writes the config for `podCidr` (the Node's), or the fallback when it has none yet. */
  async update(podCidr: string | undefined): Promise<void> {
    let cidr = podCidr;
    if (!cidr) {
      if (this.#current) return;
      cidr = fallbackPodCidr(this.#o.nodeName, this.#o.clusterCidr);
      this.#o.log.info(
        `Node ${this.#o.nodeName} has no spec.podCIDR yet: using ${cidr}, chosen from ${this.#o.clusterCidr} by the node name`,
      );
    }
    if (cidr === this.#current) return;
    try {
      await (this.#o.masquerade ?? applyMasquerade)(cidr);
    } catch (error) {
      this.#o.log.warn(
        `Cannot masquerade traffic leaving ${cidr}: ${(error as Error).message}; pods reach ` +
          "only the node and each other",
      );
    }
    const path = await writeCniConfig(
      this.#o.cniConfDir,
      renderCniConfig({ podCidr: cidr, ipamDataDir: this.#o.ipamDir }),
    );
    const gateway = formatIpv4(parseIpv4Cidr(cidr).base + 1);
    this.#o.log.info(`Wrote ${path}: pods get addresses from ${cidr} on cni0 (gateway ${gateway})`);
    this.#current = cidr;
  }
}
