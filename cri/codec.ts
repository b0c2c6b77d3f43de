/**
 * The protobuf encoding of the CRI messages. {@link CRI_PROTO} is parsed with protobufjs on first
 * use; each RPC's request and response types come from its service definition.
 *
 * Requests are plain objects in the shape of `types.ts` (enum names, numbers for 64-bit fields)
 * and go through `fromObject`, which converts them. Responses come back through `toObject` with
 * every scalar, list and map filled in, enums as names, 64-bit integers as numbers, and absent
 * nested messages left out (protobufjs would set them to `null`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import protobuf from "protobufjs";
import { CRI_PROTO } from "./api_proto.ts";

/** How one RPC's messages are written and read, and its gRPC path. */
export interface Rpc {
  path: string;
  serialize(request: object): Buffer;
  deserialize(bytes: Buffer): unknown;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

/** `object` as the bytes of message `type` (converted with `fromObject`). */
export function encodeMessage(type: protobuf.Type, object: object): Buffer {
  const bytes = type.encode(type.fromObject(object as Record<string, unknown>)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parses the proto once per codec and hands out RPC descriptions. */
export class CriCodec {
  #root: protobuf.Root | null = null;
  #rpcs = new Map<string, Rpc>();

  /** The RPC `method` of `runtime.v1.<service>`. */
  rpc(service: "RuntimeService" | "ImageService", method: string): Rpc {
    const key = `${service}/${method}`;
    let found = this.#rpcs.get(key);
    if (found) return found;
    if (!this.#root) {
      this.#root = protobuf.parse(CRI_PROTO).root;
      this.#root.resolveAll();
    }
    const definition = this.#root.lookupService(`runtime.v1.${service}`).methods[method];
    if (!definition) throw new Error(`runtime.v1.${service} has no RPC ${method}`);
    const requestType = definition.resolvedRequestType!;
    const responseType = definition.resolvedResponseType!;
    found = {
      path: `/runtime.v1.${service}/${method}`,
      serialize: (request) => encodeMessage(requestType, request),
      deserialize: (bytes) =>
        dropNulls(responseType.toObject(responseType.decode(bytes), TO_OBJECT)),
    };
    this.#rpcs.set(key, found);
    return found;
  }
}

/** Removes `null` members (unset nested messages) from plain objects, recursively. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) dropNulls(item);
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === null) delete record[key];
      else dropNulls(record[key]);
    }
  }
  return value;
}
