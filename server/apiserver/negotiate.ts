/**
 * Content negotiation: reading JSON or YAML request bodies (bounded in size), and choosing the
 * response form from `Accept` (JSON, YAML, Table, PartialObjectMetadata).
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { decodeKubeProtobuf, KUBE_PROTOBUF_CONTENT_TYPE } from "../../kube/protobuf/mod.ts";
import { badRequest, notAcceptable, tooLarge, unsupportedMediaType } from "../../kube/errors.ts";

/** Upstream's limit on a request body. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads the body, refusing more than {@link MAX_BODY_BYTES}. What is left of a refused body is
 * read and dropped in the background (up to 64 MiB), so the client can finish sending and read
 * the 413 instead of seeing its connection reset.
 */
export async function readBody(req: Request, max = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (!req.body) {
    if (declared > max) throw tooLarge();
    return new Uint8Array();
  }
  const reader = req.body.getReader();
  if (declared > max) {
    discardRest(reader, 64 * 1024 * 1024);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      discardRest(reader, 64 * 1024 * 1024);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return joinChunks(chunks, size);
}

/** The chunks of a body, `size` bytes in all, as one array (the chunk itself when alone). */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): void {
  (async () => {
    for (let left = budget; left > 0;) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
    }
    await reader.cancel();
  })().catch(() => {});
}

/** The media type without parameters, lower-cased. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** Decodes a JSON or YAML object body; anything else is a 400 or 415. */
export function decodeObject(
  bytes: Uint8Array,
  contentType: string | null,
): Record<string, unknown> {
  const type = mediaType(contentType);
  if (type === KUBE_PROTOBUF_CONTENT_TYPE) return decodeKubeProtobuf(bytes);
  const text = new TextDecoder().decode(bytes);
  let value: unknown;
  if (type === "" || type === "application/json" || type.endsWith("+json")) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badRequest(`the object provided is unrecognized: ${(err as Error).message}`);
    }
  } else if (type === "application/yaml" || type.endsWith("+yaml")) {
    try {
      // Later keys win, as upstream's non-strict decoder; fieldValidation reports repeats.
      value = parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
    } catch (err) {
      throw badRequest(`the object provided is unrecognized: ${(err as Error).message}`);
    }
  } else {
    throw unsupportedMediaType(type);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("the object provided is unrecognized: expected a JSON or YAML object");
  }
  return value as Record<string, unknown>;
}

/** What the client asked the response to be. */
export interface Wanted {
  format: "json" | "yaml";
  /** Table or PartialObjectMetadata(List) conversion, with its version. */
  as?: { kind: "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList"; version: string };
}

/** Picks the first acceptable form from `Accept`. */
export function negotiate(accept: string | null): Wanted {
  if (!accept) return { format: "json" };
  for (const raw of accept.split(",")) {
    const [typePart, ...params] = raw.split(";").map((s) => s.trim());
    const type = typePart.toLowerCase();
    const p: Record<string, string> = {};
    for (const kv of params) {
      const [k, v] = kv.split("=").map((s) => s.trim());
      if (k) p[k] = v ?? "";
    }
    const format = type === "application/yaml"
      ? "yaml"
      : (type === "application/json" || type === "*/*" || type === "application/*" ||
          type === "application/json-seq" || type === "application/jsonl")
      ? "json"
      : null;
    if (!format) continue;
    if (p.as) {
      const okGroup = p.g === "meta.k8s.io";
      const okVersion = p.v === "v1" || p.v === "v1beta1";
      if (
        okGroup && okVersion &&
        (p.as === "Table" || p.as === "PartialObjectMetadata" ||
          p.as === "PartialObjectMetadataList")
      ) {
        return { format, as: { kind: p.as, version: p.v } };
      }
      continue;
    }
    return { format };
  }
  throw notAcceptable(
    "only the following media types are accepted: application/json, application/yaml",
  );
}
