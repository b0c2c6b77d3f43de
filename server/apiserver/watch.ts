/**
 * Watch responses: a chunked stream of `{"type": ..., "object": ...}` lines from the watch cache,
 * with `timeoutSeconds`, bookmarks, `sendInitialEvents`, Table form, and 410 Gone (as an ERROR
 * event) for a resourceVersion the cache no longer holds.
 *
 * @module
 */
import { badRequest, gone, internalError, StatusError } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/meta.ts";
import type { RequestContext } from "./context.ts";
import { objectFilter, withName } from "./list_options.ts";
import { negotiate } from "./negotiate.ts";
import { parseBool } from "./request_info.ts";
import type { Served } from "./registry.ts";
import { apiVersionOf } from "./resource.ts";
import { inRequestedVersion } from "./respond.ts";
import { partialMetadata, toTable } from "./table.ts";
import { type CachedObject, type EventType, MATCH_ALL, TooOldError } from "./watch_cache.ts";

/** Events a slow client may have queued before it is dropped. */
const MAX_QUEUED = 10_000;
const encoder = new TextEncoder();

export async function serveWatch(
  ctx: RequestContext,
  served: Served,
  namespace: string,
): Promise<Response> {
  const { def, store } = served;
  const q = ctx.url.searchParams;
  const wanted = negotiate(ctx.req.headers.get("accept"));
  const filter0 = objectFilter(ctx.url, def) ?? MATCH_ALL;
  const name = ctx.info.name;
  const filter = name
    ? withName((o: KubeObject) => o.metadata.name === name && filter0(o), name)
    : filter0;
  const timeoutText = q.get("timeoutSeconds");
  let timeoutSeconds = 1800 + Math.floor(Math.random() * 1800);
  if (timeoutText) {
    const n = Number(timeoutText);
    if (!Number.isFinite(n) || n < 0) throw badRequest(`invalid timeoutSeconds: ${timeoutText}`);
    timeoutSeconds = n;
  }
  const bookmarks = parseBool(q.get("allowWatchBookmarks"));
  const sendInitial = parseBool(q.get("sendInitialEvents"));
  if (sendInitial && q.get("resourceVersionMatch") !== "NotOlderThan") {
    throw badRequest(
      "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
    );
  }
  const apiVersion = apiVersionOf(def.group, ctx.info.version || def.versions[0]);

  let columnsSent = false;
  const encode = (
    type: EventType | "BOOKMARK" | "ERROR",
    item: CachedObject | null,
    rv: number,
    extra?: Record<string, string>,
  ): string => {
    if (type === "BOOKMARK") {
      const meta: Record<string, unknown> = { resourceVersion: String(rv) };
      if (extra) meta.annotations = extra;
      return JSON.stringify({ type, object: { kind: def.kind, apiVersion, metadata: meta } }) +
        "\n";
    }
    if (wanted.as?.kind === "Table") {
      const table = toTable(def, [item!.obj], {
        version: wanted.as.version,
        include: (q.get("includeObject") as "None" | "Object" | null) ?? "Metadata",
        listMeta: { resourceVersion: String(rv) },
        now: new Date(),
        withColumns: !columnsSent,
      });
      columnsSent = true;
      return JSON.stringify({ type, object: table }) + "\n";
    }
    if (wanted.as) {
      return JSON.stringify({ type, object: partialMetadata(item!.obj, wanted.as.version) }) + "\n";
    }
    return `{"type":"${type}","object":${inRequestedVersion(ctx, def, item!).json}}\n`;
  };

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let stop: () => void = () => {};
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    stop();
    clearTimeout(timer);
    try {
      controller.close();
    } catch { /* already closed */ }
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      stop();
      clearTimeout(timer);
    },
  }, { highWaterMark: MAX_QUEUED, size: () => 1 });
  const push = (line: string): boolean => {
    if (closed) return false;
    if ((controller.desiredSize ?? 1) <= 0) {
      close();
      return false;
    }
    controller.enqueue(encoder.encode(line));
    return true;
  };
  const timer = setTimeout(close, timeoutSeconds * 1000);
  ctx.signal.addEventListener("abort", close, { once: true });

  try {
    stop = await store.watch(namespace, {
      resourceVersion: q.get("resourceVersion") ?? undefined,
      sendInitialEvents: sendInitial,
      filter,
      onError: (err) => {
        const status = err instanceof StatusError ? err : internalError(String(err));
        push(JSON.stringify({ type: "ERROR", object: status.toStatus() }) + "\n");
        close();
      },
    }, (type, item, rv) => {
      if (type === "BOOKMARK") return bookmarks ? push(encode(type, null, rv)) : true;
      return push(encode(type, item, rv));
    });
    if (sendInitial && bookmarks) {
      push(encode("BOOKMARK", null, store.cacheRevision, { "k8s.io/initial-events-end": "true" }));
    }
  } catch (err) {
    if (!(err instanceof TooOldError)) {
      clearTimeout(timer);
      throw err;
    }
    const status = gone(`too old resource version: ${err.requested} (${err.oldest})`).toStatus();
    push(JSON.stringify({ type: "ERROR", object: status }) + "\n");
    close();
  }
  if (closed) stop();
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-cache, private",
      "transfer-encoding": "chunked",
    },
  });
}
