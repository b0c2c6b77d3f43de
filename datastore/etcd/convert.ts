/**
 * etcd's key-values and watch events as the datastore's, with lease IDs turned into TTLs.
 *
 * @module
 */
import type { IEvent, IKeyValue } from "etcd3";
import type { KeyValue, WatchEvent } from "../backend.ts";
import type { LeaseTtls } from "./lease_ttls.ts";

export class Converter {
  #leases: LeaseTtls;

  constructor(leases: LeaseTtls) {
    this.#leases = leases;
  }

  /** Our KeyValues for etcd's, skipping absent ones. */
  async kvs(raw: Array<IKeyValue | null | undefined>): Promise<KeyValue[]> {
    const present = raw.filter((kv): kv is IKeyValue => Boolean(kv));
    const ttls = await this.#leases.ttls(present.map((kv) => kv.lease));
    return present.map((kv, i) => ({
      key: kv.key.toString(),
      value: new Uint8Array(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      lease: ttls[i],
    }));
  }

  /**
   * Our events for etcd's. etcd's delete event carries an empty key-value: ours carries the last
   * value (from `prev_kv`) with the delete's revision. A put whose create and mod revisions
   * match is a create.
   */
  async events(events: IEvent[]): Promise<WatchEvent[]> {
    const kvs = await this.kvs(events.map((event) => event.kv));
    const prevs = await this.kvs(events.map((event) => event.prev_kv));
    return events.map((event, i): WatchEvent => {
      const kv = kvs[i];
      const prevKv = event.prev_kv ? prevs.shift() : undefined;
      if (event.type === "Delete") {
        const last = prevKv ?? kv;
        return { type: "delete", kv: { ...last, modRevision: kv.modRevision }, prevKv };
      }
      if (kv.createRevision === kv.modRevision) return { type: "create", kv };
      return { type: "update", kv, prevKv };
    });
  }
}
