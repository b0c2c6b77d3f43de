/**
 * The protobuf encoding of etcd's messages: the `.proto` text of {@link RPC_PROTO} is parsed with
 * protobufjs on first use (nothing is read from disk), and each RPC's request and response types
 * are taken from its service definition.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import protobuf from "protobufjs";
import { MVCC_PROTO, RPC_PROTO } from "./rpc_proto.ts";

/** How one RPC's messages are written and read, and its gRPC path. */
export interface Rpc<Req, Res> {
  path: string;
  serialize(request: Req): Buffer;
  deserialize(bytes: Buffer): Res;
}

let root: protobuf.Root | null = null;

/** The RPC `method` of `etcdserverpb.<service>`, its types resolved from the parsed proto. */
export function rpc<Req, Res>(service: string, method: string): Rpc<Req, Res> {
  root ??= parseProto();
  const definition = root.lookupService(`etcdserverpb.${service}`).methods[method];
  if (!definition) throw new Error(`etcdserverpb.${service} has no RPC ${method}`);
  const requestType = definition.resolvedRequestType!;
  const responseType = definition.resolvedResponseType!;
  return {
    path: `/etcdserverpb.${service}/${method}`,
    serialize(request) {
      const bytes = requestType.encode(request as Record<string, unknown>).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes) => responseType.decode(bytes) as unknown as Res,
  };
}

function parseProto(): protobuf.Root {
  const parsed = new protobuf.Root();
  protobuf.parse(MVCC_PROTO, parsed);
  protobuf.parse(RPC_PROTO, parsed);
  parsed.resolveAll();
  return parsed;
}
