/**
 * The per-request state handed from the pipeline (authentication, authorization) to handlers.
 *
 * @module
 */
import type { RequestInfo } from "./request_info.ts";
import type { UserInfo, WriteContext } from "./resource.ts";

export interface RequestContext {
  req: Request;
  url: URL;
  info: RequestInfo;
  user: UserInfo;
  now: Date;
  /** `Warning` headers for the response. */
  warnings: string[];
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** The write context strategies see, for one request. */
export function writeContext(ctx: RequestContext): WriteContext {
  const dryRun = ctx.url.searchParams.getAll("dryRun");
  return {
    user: ctx.user,
    namespace: ctx.info.namespace,
    now: ctx.now,
    dryRun: dryRun.includes("All"),
    warn: (m) => {
      if (!ctx.warnings.includes(m)) ctx.warnings.push(m);
    },
  };
}

/** The field manager of a write: `?fieldManager=`, else the user agent's program name. */
export function fieldManager(ctx: RequestContext): string {
  const explicit = ctx.url.searchParams.get("fieldManager");
  if (explicit) return explicit;
  const agent = ctx.req.headers.get("user-agent") ?? "unknown";
  return agent.split("/")[0].slice(0, 128) || "unknown";
}
