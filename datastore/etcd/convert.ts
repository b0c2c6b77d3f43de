/**
 * etcd's key-values and watch events as the datastore's, with lease IDs turned into TTLs.
 *
 * @module
 */
import type { KeyValue, WatchEvent } from "../backend.ts";
import type { LeaseTtls } from "./lease_ttls.ts";
import {
  decimal,
  type Event,
  EVENT_DELETE,
  int,
  type KeyValue as EtcdKeyValue,
} from "./messages.ts";

const DECODER = new TextDecoder();

export class Converter {
  #leases: LeaseTtls;

  constructor(leases: LeaseTtls) {
    this.#leases = leases;
  }

  /** Our KeyValues for etcd's, skipping absent ones. */
  async kvs(raw: Array<EtcdKeyValue | null | undefined>): Promise<KeyValue[]> {
    const present = raw.filter((kv): kv is EtcdKeyValue => Boolean(kv));
    const ttls = await this.#leases.ttls(present.map((kv) => decimal(kv.lease)));
    return present.map((kv, i) => ({
      key: DECODER.decode(kv.key),
      value: new Uint8Array(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength),
      createRevision: int(kv.createRevision),
      modRevision: int(kv.modRevision),
      lease: ttls[i],
    }));
  }

  /**
   * Our events for etcd's. etcd's delete event carries an empty key-value: ours carries the last
   * value (from `prev_kv`) with the delete's revision. A put whose create and mod revisions
   * match is a create.
   */
  async events(events: Event[]): Promise<WatchEvent[]> {
    const kvs = await this.kvs(events.map((event) => event.kv));
    const prevs = await this.kvs(events.map((event) => event.prevKv));
    return events.map((event, i): WatchEvent => {
      const kv = kvs[i];
      const prevKv = event.prevKv ? prevs.shift() : undefined;
      if (event.type === EVENT_DELETE) {
        const last = prevKv ?? kv;
        return { type: "delete", kv: { ...last, modRevision: kv.modRevision }, prevKv };
      }
      if (kv.createRevision === kv.modRevision) return { type: "create", kv };
      return { type: "update", kv, prevKv };
    });
  }
}
