/**
 * The API server's request pipeline on web `Request`/`Response`: authentication, authorization,
 * routing to discovery, non-resource paths and the generic REST handlers, with every error turned
 * into a `Status` in one place. The HTTPS listener (http.ts) is a thin adapter around it.
 *
 * @module
 */
import { forbidden, notFound, StatusError, unauthorized } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/meta.ts";
import type { RequestContext } from "./context.ts";
import { type Auditor, AuditTrail } from "./audit/mod.ts";
import { authenticatedUser, impersonate } from "./authz/impersonation.ts";
import {
  aggregatedDiscovery,
  aggregatedType,
  apiGroup,
  apiVersions,
  groupList,
  type RemoteGroupVersion,
  resourceList,
  wantsAggregated,
} from "./discovery.ts";
import type { Registry, Served } from "./registry.ts";
import { type RequestInfo, requestInfo } from "./request_info.ts";
import type { UserInfo } from "./resource.ts";
import { respondError, respondValue } from "./respond.ts";
import { serveResource, type SubresourceHandler, type WriteHooks } from "./rest.ts";
import type { FlowControl } from "./flowcontrol/mod.ts";

/** What the listener knows about the connection. */
export interface ConnInfo {
  /** The user of a client certificate the TLS layer verified, else null. */
  certUser: UserInfo | null;
  remoteAddr: string;
}

/** Finds the user behind a bearer token (or other request credentials), or null. */
export interface Authenticator {
  authenticate(req: Request): Promise<UserInfo | null>;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export interface Authorizer {
  authorize(user: UserInfo, info: RequestInfo): Promise<Decision>;
}

/** One admission step; mutating steps run before validating ones, in list order. */
export interface AdmissionPlugin {
  name: string;
  admit?(attrs: AdmissionAttributes): Promise<void> | void;
  validate?(attrs: AdmissionAttributes): Promise<void> | void;
}

export interface AdmissionAttributes {
  ctx: RequestContext;
  served: Served;
  operation: "CREATE" | "UPDATE" | "DELETE";
  object: KubeObject | null;
  old: KubeObject | null;
}

/** A handler for a path outside /api and /apis. */
export interface Route {
  /** Exact path, or a prefix when it ends with "/". */
  path: string;
  /** Served without credentials (health, version, /cacerts, /ping). */
  anonymous?: boolean;
  handle(ctx: RequestContext): Promise<Response> | Response;
}

/** Group-versions served by extension API servers (the aggregator). */
export interface RemoteApis {
  /** The answer when a remote APIService owns the request's group-version, else null. */
  serve(ctx: RequestContext): Promise<Response | null>;
  /** The available remote group-versions, for discovery. */
  groupVersions(): RemoteGroupVersion[];
}

export interface ApiServerOptions {
  registry: Registry;
  authenticators: Authenticator[];
  authorizer: Authorizer;
  admission: AdmissionPlugin[];
  routes: Route[];
  /** Extra subresources by `group/plural/subresource`. */
  subresources?: Record<string, SubresourceHandler>;
  /** host:port clients reach this server at, for `/api`. */
  serverAddress: string;
  /** Audit policy and log (`--audit-policy-file`, `--audit-log-path`). */
  audit?: Auditor;
  /** Requests in flight by priority level (`--max-requests-inflight` ...). */
  flowControl?: FlowControl;
  /** The aggregator, proxying to extension API servers after authorization. */
  remote?: RemoteApis;
}

const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };

export class ApiServer {
  #opts: ApiServerOptions;
  #hooks: WriteHooks;

  constructor(opts: ApiServerOptions) {
    this.#opts = opts;
    const plugins = opts.admission;
    this.#hooks = {
      subresources: opts.subresources ?? {},
      admit: async (ctx, served, operation, object, old) => {
        const attrs = { ctx, served, operation, object, old };
        for (const p of plugins) await p.admit?.(attrs);
        for (const p of plugins) await p.validate?.(attrs);
      },
    };
  }

  get registry(): Registry {
    return this.#opts.registry;
  }

  /** Serves one request; never throws. */
  async handle(req: Request, conn: ConnInfo, signal?: AbortSignal): Promise<Response> {
    const audit = new AuditTrail(this.#opts.audit, req, conn);
    let ctx: RequestContext | null = null;
    try {
      const url = new URL(req.url);
      const info = requestInfo(req.method, url);
      ctx = {
        req,
        url,
        info,
        user: ANONYMOUS,
        now: new Date(),
        warnings: [],
        signal: signal ?? req.signal,
      };
      const route = info.isResourceRequest ? undefined : this.#route(url.pathname);
      const user = conn.certUser ?? await this.#authenticate(req);
      if (!user) {
        if (!route?.anonymous) throw unauthorized();
        audit.received(ctx);
        return await audit.finish(ctx, await route.handle(ctx));
      }
      ctx.user = authenticatedUser(user);
      audit.received(ctx);
      ctx.user = await impersonate(req, ctx.user, (u, i) => this.#authorize(u, i));
      audit.impersonated(ctx.user);
      const c = ctx;
      const serve = () => this.#serve(c, route, audit);
      const flow = this.#opts.flowControl;
      return await audit.finish(ctx, flow ? await flow.run(ctx, serve) : await serve());
    } catch (err) {
      audit.panicked(err);
      return await audit.finish(ctx, respondError(ctx, err));
    }
  }

  /** Authorization and the handler, once the request has its user and a seat. */
  async #serve(
    ctx: RequestContext,
    route: Route | undefined,
    audit: AuditTrail,
  ): Promise<Response> {
    const { info } = ctx;
    await this.#authorize(ctx.user, info, audit);
    const proxied = await this.#opts.remote?.serve(ctx);
    if (proxied) return proxied;
    if (info.isResourceRequest) return await this.#serveResource(ctx);
    if (info.apiPrefix) return this.#discovery(ctx);
    if (route) return await route.handle(ctx);
    throw new StatusError(404, "NotFound", "the server could not find the requested resource");
  }

  async #authenticate(req: Request): Promise<UserInfo | null> {
    for (const a of this.#opts.authenticators) {
      const user = await a.authenticate(req);
      if (user) return user;
    }
    if (req.headers.get("authorization")) throw unauthorized();
    return null;
  }

  async #authorize(user: UserInfo, info: RequestInfo, audit?: AuditTrail): Promise<void> {
    const d = await this.#opts.authorizer.authorize(user, info);
    audit?.authorized(d);
    if (d.allowed) return;
    throw forbidden(forbiddenMessage(user, info, d.reason), {
      name: info.name,
      group: info.group,
      kind: info.resource,
    });
  }

  #route(path: string): Route | undefined {
    let best: Route | undefined;
    for (const r of this.#opts.routes) {
      if (r.path === path) return r;
      if (r.path.endsWith("/") && path.startsWith(r.path)) {
        if (!best || r.path.length > best.path.length) best = r;
      }
    }
    return best;
  }

  async #serveResource(ctx: RequestContext): Promise<Response> {
    const { info } = ctx;
    const served = this.#opts.registry.lookup(info.group, info.version, info.resource);
    if (!served) {
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", {
        causes: [],
      });
    }
    return await serveResource(ctx, served, this.#hooks);
  }

  #discovery(ctx: RequestContext): Response {
    const { info } = ctx;
    if (ctx.req.method !== "GET" && ctx.req.method !== "HEAD") {
      throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method");
    }
    const registry = this.#opts.registry;
    const remote = this.#opts.remote?.groupVersions() ?? [];
    const p = info.parts;
    const aggregated = p.length === 0 ? wantsAggregated(ctx.req.headers.get("accept")) : null;
    if (aggregated) {
      const doc = aggregatedDiscovery(registry, info.apiPrefix === "api", aggregated, remote);
      return new Response(JSON.stringify(doc), {
        headers: { "content-type": aggregatedType(aggregated), vary: "Accept" },
      });
    }
    if (info.apiPrefix === "api") {
      if (p.length === 0) return respondValue(ctx, apiVersions(this.#opts.serverAddress));
      if (p.length === 1) return respondValue(ctx, resourceList(registry, "", p[0]));
    } else {
      if (p.length === 0) return respondValue(ctx, groupList(registry, remote));
      if (p.length === 1) return respondValue(ctx, apiGroup(registry, p[0], remote));
      if (p.length === 2) return respondValue(ctx, resourceList(registry, p[0], p[1]));
    }
    throw notFound({ group: "", resource: "" }, "");
  }
}

/** Upstream's wording: `pods is forbidden: User "u" cannot list resource "pods" in API group "" ...`. */
export function forbiddenMessage(user: UserInfo, info: RequestInfo, reason?: string): string {
  const suffix = reason ? `: ${reason}` : "";
  if (!info.isResourceRequest) {
    return `forbidden: User "${user.name}" cannot ${info.verb} path "${info.path}"${suffix}`;
  }
  const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const qualified = info.group ? `${info.resource}.${info.group}` : info.resource;
  const what = info.name ? `${qualified} "${info.name}"` : qualified;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : "at the cluster scope";
  return `${what} is forbidden: User "${user.name}" cannot ${info.verb} resource "${res}" in API group "${info.group}" ${scope}${suffix}`;
}
