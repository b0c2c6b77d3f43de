/**
 * The files of configMap, secret, downwardAPI and projected volumes, computed purely from the
 * referenced objects (upstream's volume plugins): keys or `items` with paths and modes, the
 * default mode, and the errors upstream reports for missing keys.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Pod } from "../../../kube/client/types.ts";
import { type EnvSources, podFieldValue, resourceFieldValue } from "../env.ts";
import type { Payload } from "./atomic_writer.ts";

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** A config map's or secret's content: text data and binary data (base64). */
export interface KeyedData {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

const text = (s: string) => new TextEncoder().encode(s);

/** Files from keyed data; `base64Data` says whether `data` holds base64 (secrets). */
export function keyedPayload(
  kind: "configmap" | "secret",
  source: KeyedData,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  base64Data: boolean,
  optional = false,
): Payload {
  const values = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(source.data ?? {})) {
    values.set(k, base64Data ? new Uint8Array(Buffer.from(v, "base64")) : text(v));
  }
  for (const [k, v] of Object.entries(source.binaryData ?? {})) {
    values.set(k, new Uint8Array(Buffer.from(v, "base64")));
  }
  const payload: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of values) payload.set(k, { content: v, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const value = values.get(item.key);
    if (!value) {
      if (optional) continue;
      throw new Error(
        `${kind} references non-existent ${
          kind === "secret" ? "secret" : "config"
        } key: ${item.key}`,
      );
    }
    payload.set(item.path, { content: value, mode: item.mode ?? defaultMode });
  }
  return payload;
}

export interface DownwardItem {
  path: string;
  mode?: number;
  fieldRef?: { fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
}

/** Files of downward API items. */
export function downwardPayload(
  pod: Pod,
  items: DownwardItem[],
  defaultMode: number,
  ips: { podIps: string[]; hostIps: string[] },
  allocatable: EnvSources["allocatable"],
): Payload {
  const payload: Payload = new Map();
  for (const item of items) {
    let value: string;
    if (item.fieldRef) value = podFieldValue(pod, item.fieldRef.fieldPath, ips.podIps, ips.hostIps);
    else if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      value = resourceFieldValue(
        pod,
        ref.containerName ?? "",
        ref.resource,
        ref.divisor,
        allocatable,
      );
    } else continue;
    payload.set(item.path, { content: text(value), mode: item.mode ?? defaultMode });
  }
  return payload;
}

/** Merges payloads (projected volumes); a later source's path replaces an earlier one. */
export function mergePayloads(parts: Payload[]): Payload {
  const out: Payload = new Map();
  for (const part of parts) for (const [k, v] of part) out.set(k, v);
  return out;
}
