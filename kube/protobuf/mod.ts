/**
 * Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) for the built-in API types:
 * `decodeKubeProtobuf` turns a request body into the JSON form the rest of the API machinery
 * works with; `encodeKubeProtobuf` does the reverse.
 *
 * ```ts
 * const obj = decodeKubeProtobuf(body); // { kind: "ConfigMap", apiVersion: "v1", metadata: … }
 * const bytes = encodeKubeProtobuf(obj);
 * ```
 *
 * @module
 */

export { decodeKubeProtobuf, hasKubeProtobufMagic, KUBE_PROTOBUF_MAGIC } from "./decode.ts";
export { encodeKubeProtobuf } from "./encode.ts";

/** The media type of Kubernetes protobuf bodies. */
export const KUBE_PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
