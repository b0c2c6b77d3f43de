/**
 * etcd keys carry a lease ID where our {@link KeyValue} carries the TTL in seconds: this maps one
 * to the other, remembering the leases this process granted and asking etcd about the others.
 *
 * @module
 */
import type { EtcdClient } from "./client.ts";
import { decimal, int } from "./messages.ts";

/** Remembered leases; past this many the map starts over (a miss costs one lookup). */
const MAX_REMEMBERED = 10_000;

export class LeaseTtls {
  #client: EtcdClient;
  #ttls = new Map<string, number>();

  constructor(client: EtcdClient) {
    this.#client = client;
  }

  /** Grants a lease of `ttlSeconds` and returns its ID. */
  async grant(ttlSeconds: number): Promise<string> {
    const response = await this.#client.leaseGrant({ TTL: ttlSeconds, ID: 0 });
    const lease = decimal(response.ID);
    this.#remember(lease, ttlSeconds);
    return lease;
  }

  /**
   * Revokes a lease a failed write no longer needs. A failed revoke is harmless (the lease
   * expires by itself, holding no key), so it is not reported.
   */
  revoke(id: string): void {
    if (id === "0") return;
    this.#ttls.delete(id);
    this.#client.leaseRevoke({ ID: id }).catch(() => undefined);
  }

  /** The TTL of each lease ID ("0": none), looking up the unknown ones in parallel. */
  async ttls(ids: string[]): Promise<number[]> {
    const unknown = [...new Set(ids)].filter((id) => id !== "0" && !this.#ttls.has(id));
    await Promise.all(unknown.map(async (id) => {
      const response = await this.#client.leaseTimeToLive({ ID: id }).catch(
        (error: Error) => {
          if (/lease not found/.test(error.message)) return null;
          throw error;
        },
      );
      // A lease that is gone (expired, revoked) has no TTL left to report.
      this.#remember(id, Math.max(response ? int(response.grantedTTL) : 0, 0));
    }));
    return ids.map((id) => id === "0" ? 0 : this.#ttls.get(id) ?? 0);
  }

  #remember(id: string, ttl: number): void {
    if (this.#ttls.size >= MAX_REMEMBERED) this.#ttls.clear();
    this.#ttls.set(id, ttl);
  }
}
