/**
 * {@link Aggregator}: kube-aggregator's proxy and availability controller for APIServices with
 * `spec.service`. Requests for such a group-version, once authenticated and authorized here, go
 * to the Service's endpoint ({@link resolveService}) as the front proxy ({@link backendRequest});
 * an APIService that is not Available answers 503. Every `intervalMs` each remote APIService is
 * checked — Service, endpoints, then its discovery document `/apis/<group>/<version>` (fetched
 * again when the backend changed, when it was failing, or after `discoveryTtlMs`) — and its
 * `Available` condition written when it changes (`Passed`, `ServiceNotFound`,
 * `ServicePortError`, `MissingEndpoints`, `FailedDiscoveryCheck`). The discovery documents of
 * the available ones join this server's `/apis` and aggregated discovery.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { StatusError } from "../../../kube/errors.ts";
import { formatTime, type KubeObject } from "../../../kube/meta.ts";
import type { RemoteApis } from "../app.ts";
import type { ObjectLookup } from "../authn/lookup.ts";
import type { RequestContext } from "../context.ts";
import type { RemoteGroupVersion } from "../discovery.ts";
import type { Registry } from "../registry.ts";
import { obj, objs, str } from "../resources/core/util.ts";
import { systemWriter } from "../resources/scheduling/bootstrap.ts";
import { type BackendTarget, resolveService, type ServiceRef } from "./endpoints.ts";
import { backendRequest, type BackendTls, forwardedHeaders } from "./proxy.ts";

const API_SERVICES = { group: "apiregistration.k8s.io", plural: "apiservices" };
const UNAVAILABLE = "the server is currently unable to handle the request";

/** Options of {@linkcode Aggregator}. */
export interface AggregatorOptions {
  registry: Registry;
  lookup: ObjectLookup;
  /** The front-proxy client certificate (`client-auth-proxy`). */
  proxyClient: { certPem: string; keyPem: string };
  /** How often APIServices are checked (default 1000 ms). */
  intervalMs?: number;
  /** How long a fetched discovery document is trusted (default 30 s). */
  discoveryTtlMs?: number;
  onError?: (err: unknown) => void;
}

interface Checked {
  /** The spec and backend the discovery document was fetched for. */
  fingerprint: string;
  at: number;
  resources: Record<string, unknown>[] | null;
}

interface Condition {
  status: "True" | "False";
  reason: string;
  message: string;
}

/** The remote parts of an APIService, or null for a local one. */
function remoteOf(
  api: KubeObject,
): { ref: ServiceRef; tls: Omit<BackendTls, "certPem" | "keyPem"> } | null {
  const spec = obj(api.spec) ?? {};
  const service = obj(spec.service);
  if (!service) return null;
  const ca = str(spec.caBundle);
  return {
    ref: {
      namespace: str(service.namespace),
      name: str(service.name),
      port: typeof service.port === "number" ? service.port : 443,
    },
    tls: {
      caPem: ca ? Buffer.from(ca, "base64").toString("utf8") : undefined,
      insecure: spec.insecureSkipTLSVerify === true,
    },
  };
}

function isAvailable(api: KubeObject): boolean {
  return objs(obj(api.status)?.conditions).some((c) =>
    c.type === "Available" && c.status === "True"
  );
}

/** Proxies remote group-versions and keeps their APIServices' availability. */
export class Aggregator implements RemoteApis {
  readonly #o: Required<AggregatorOptions>;
  readonly #checked = new Map<string, Checked>();
  /** APIServices with a service as of the last check; requests for others skip the lookup. */
  #remote = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: AggregatorOptions) {
    this.#o = {
      intervalMs: 1000,
      discoveryTtlMs: 30_000,
      onError: (err) => console.error(`aggregator: ${(err as Error).message}`),
      ...options,
    };
  }

  #tls(tls: Omit<BackendTls, "certPem" | "keyPem">): BackendTls {
    return { ...tls, ...this.#o.proxyClient };
  }

  async serve(ctx: RequestContext): Promise<Response | null> {
    const { info } = ctx;
    if (info.apiPrefix !== "apis" || info.parts.length < 2) return null;
    const [group, version] = info.parts;
    const name = `${version}.${group}`;
    if (!this.#remote.has(name)) return null;
    const api = await this.#o.lookup.get(API_SERVICES, "", name);
    const remote = api && remoteOf(api);
    if (!remote) return null;
    if (!isAvailable(api)) throw new StatusError(503, "ServiceUnavailable", UNAVAILABLE);
    const found = await resolveService(this.#o.lookup, remote.ref);
    if (!("target" in found)) throw new StatusError(503, "ServiceUnavailable", UNAVAILABLE);
    const method = ctx.req.method;
    const body = method === "GET" || method === "HEAD"
      ? undefined
      : new Uint8Array(await ctx.req.arrayBuffer());
    try {
      return await backendRequest(found.target, this.#tls(remote.tls), {
        method,
        path: ctx.url.pathname + ctx.url.search,
        headers: forwardedHeaders(ctx.req.headers),
        body,
        user: ctx.user,
        signal: ctx.signal,
      });
    } catch (err) {
      throw new StatusError(
        503,
        "ServiceUnavailable",
        `error trying to reach service: ${(err as Error).message}`,
      );
    }
  }

  groupVersions(): RemoteGroupVersion[] {
    const out: RemoteGroupVersion[] = [];
    for (const [name, c] of this.#checked) {
      if (!c.resources) continue;
      const dot = name.indexOf(".");
      out.push({ version: name.slice(0, dot), group: name.slice(dot + 1), resources: c.resources });
    }
    return out;
  }

  /** Checks every remote APIService once (after any check under way). */
  check(): Promise<void> {
    const run = this.#running.then(() => this.#checkAll());
    this.#running = run.catch(this.#o.onError);
    return run;
  }

  /** Checks at once, then every `intervalMs` until `stop()`; a slow backend never holds up the start. */
  start(): void {
    const loop = (ms: number) => {
      if (this.#stopped) return;
      this.#timer = setTimeout(
        () => this.check().catch(() => {}).finally(() => loop(this.#o.intervalMs)),
        ms,
      );
    };
    loop(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async #checkAll(): Promise<void> {
    const apis = await this.#o.lookup.list(API_SERVICES, "");
    const remotes = apis.flatMap((api) => {
      const remote = remoteOf(api);
      return remote ? [{ api, remote, name: api.metadata.name! }] : [];
    });
    const names = new Set(remotes.map((r) => r.name));
    this.#remote = names;
    for (const name of this.#checked.keys()) if (!names.has(name)) this.#checked.delete(name);
    await Promise.all(remotes.map(async ({ api, remote, name }) => {
      const condition = await this.#availability(name, api, remote);
      await this.#writeCondition(api, condition);
    }));
  }

  async #availability(
    name: string,
    api: KubeObject,
    remote: NonNullable<ReturnType<typeof remoteOf>>,
  ): Promise<Condition> {
    const found = await resolveService(this.#o.lookup, remote.ref);
    if (!("target" in found)) {
      this.#checked.delete(name);
      return { status: "False", reason: found.reason, message: found.message };
    }
    const fingerprint = JSON.stringify([api.spec, found.target.host, found.target.port]);
    const last = this.#checked.get(name);
    const now = Date.now();
    if (
      last?.resources && last.fingerprint === fingerprint &&
      now - last.at < this.#o.discoveryTtlMs
    ) {
      return { status: "True", reason: "Passed", message: "all checks passed" };
    }
    const spec = obj(api.spec) ?? {};
    const path = `/apis/${str(spec.group)}/${str(spec.version)}`;
    try {
      const resources = await this.#discover(found.target, remote.tls, path);
      this.#checked.set(name, { fingerprint, at: now, resources });
      return { status: "True", reason: "Passed", message: "all checks passed" };
    } catch (err) {
      this.#checked.delete(name);
      const url = `https://${found.target.host}:${found.target.port}${path}`;
      return {
        status: "False",
        reason: "FailedDiscoveryCheck",
        message: `failing or missing response from ${url}: ${(err as Error).message}`,
      };
    }
  }

  async #discover(
    target: BackendTarget,
    tls: Omit<BackendTls, "certPem" | "keyPem">,
    path: string,
  ): Promise<Record<string, unknown>[]> {
    const res = await backendRequest(target, this.#tls(tls), {
      method: "GET",
      path,
      headers: { accept: "application/json" },
      user: { name: "system:kube-aggregator", groups: ["system:masters"] },
      timeoutMs: 5000,
    });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) {
      throw new Error(`bad status from ${path}: ${res.status}`);
    }
    const doc = JSON.parse(text);
    if (!Array.isArray(doc?.resources)) throw new Error(`${path} is not an APIResourceList`);
    return doc.resources;
  }

  async #writeCondition(api: KubeObject, c: Condition): Promise<void> {
    const current = objs(obj(api.status)?.conditions).find((x) => x.type === "Available");
    if (
      current && current.status === c.status && current.reason === c.reason &&
      current.message === c.message
    ) return;
    const store = this.#o.registry.store("apiregistration.k8s.io", "apiservices");
    try {
      await store.guaranteedUpdate(
        "",
        api.metadata.name!,
        systemWriter(),
        {
          fieldManager: "kube-aggregator",
          apiVersion: "apiregistration.k8s.io/v1",
          subresource: "status",
        },
        (cur) => {
          const next = structuredClone(cur.obj);
          const status = (next.status ??= {}) as Record<string, unknown>;
          const others = objs(status.conditions).filter((x) => x.type !== "Available");
          const old = objs(status.conditions).find((x) => x.type === "Available");
          const changed = old?.status !== c.status;
          status.conditions = [...others, {
            type: "Available",
            status: c.status,
            lastTransitionTime: changed ? formatTime(new Date()) : old?.lastTransitionTime,
            reason: c.reason,
            message: c.message,
          }];
          return next;
        },
      );
    } catch (err) {
      if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}
