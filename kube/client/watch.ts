/**
 * Watch events: the newline-delimited JSON stream of `{"type": …, "object": …}` a watch request
 * returns, decoded into {@link WatchEvent}s; an `ERROR` event becomes a thrown `StatusError`.
 *
 * @module
 */
import type { Status } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import { statusToError } from "./errors.ts";

/** One change seen by a watch. `BOOKMARK` carries only `metadata.resourceVersion`. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: T;
}

/** The annotation on the bookmark that ends a `sendInitialEvents` watch's initial events. */
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/** Decodes a watch body into events; throws on an `ERROR` event or an undecodable line. */
export async function* decodeWatch<T extends KubeObject>(
  chunks: AsyncIterable<string>,
): AsyncGenerator<WatchEvent<T>> {
  let buffer = "";
  for await (const chunk of chunks) {
    buffer += chunk;
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf("\n", start)) >= 0) {
      const line = buffer.slice(start, nl).trim();
      start = nl + 1;
      if (line) yield decodeLine<T>(line);
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
  }
  const rest = buffer.trim();
  if (rest) yield decodeLine<T>(rest);
}

function decodeLine<T extends KubeObject>(line: string): WatchEvent<T> {
  let ev: { type?: string; object?: unknown };
  try {
    ev = JSON.parse(line);
  } catch (err) {
    throw new Error(`Cannot decode a watch event: ${(err as Error).message}`);
  }
  switch (ev.type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED":
    case "BOOKMARK":
      if (typeof ev.object !== "object" || ev.object === null) {
        throw new Error(`Cannot decode a watch event: ${ev.type} without an object`);
      }
      return { type: ev.type, object: ev.object as T };
    case "ERROR":
      throw statusToError((ev.object ?? {}) as Partial<Status>);
    default:
      throw new Error(`Cannot decode a watch event: unknown type ${JSON.stringify(ev.type)}`);
  }
}
