/**
 * {@link KubeClient}: CRUD, subresources and watch against a Kubernetes API server, JSON on the
 * wire, failures thrown as `StatusError`s.
 *
 * @module
 */
import type { Status } from "../errors.ts";
import type { KubeList, KubeObject } from "../meta.ts";
import { type ClientConfig, loadClientConfig } from "./config.ts";
import { statusErrorFrom } from "./errors.ts";
import { apiVersionOf, PODS, type Resource, resourcePath } from "./resources.ts";
import { type Transport, type TransportResponse } from "./transport.ts";
import { HttpsTransport } from "./transport_https.ts";
import type { DeleteOptions, Scale } from "./types.ts";
import { decodeWatch, type WatchEvent } from "./watch.ts";

/** Options of reads and lists. */
export interface ListOptions {
  /** Namespace of a namespaced resource; absent lists across all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  signal?: AbortSignal;
}

/** Options of {@linkcode KubeClient.watch}. */
export interface WatchOptions extends Omit<ListOptions, "limit" | "continue"> {
  /** Ask for BOOKMARK events (default true). */
  allowWatchBookmarks?: boolean;
  /** Start with the current objects as ADDED, then a bookmark marking their end. */
  sendInitialEvents?: boolean;
  /** The server ends the watch after this long. */
  timeoutSeconds?: number;
}

/** Options of writes. */
export interface WriteOptions {
  namespace?: string;
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

/** The four patch encodings: JSON merge, strategic merge, JSON patch, server-side apply. */
export type PatchType = "merge" | "strategic" | "json" | "apply";

const PATCH_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** Options of {@linkcode KubeClient.patch}. */
export interface PatchOptions extends WriteOptions {
  /** e.g. `status`, `scale`. */
  subresource?: string;
  /** Server-side apply: take over conflicting fields. */
  force?: boolean;
}

/** Options of deletes. */
export interface DeleteRequestOptions extends DeleteOptions {
  namespace?: string;
  signal?: AbortSignal;
}

/** A raw API response. */
export type RawResponse = TransportResponse;

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

function nameOf(obj: KubeObject, what: string): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`Cannot ${what}: the object has no metadata.name`);
  return name;
}

/** A Kubernetes API client. Share one per identity: requests multiplex over one connection. */
export class KubeClient {
  readonly #transport: Transport;
  readonly config: ClientConfig;

  constructor(config: ClientConfig, transport?: Transport) {
    this.config = config;
    this.#transport = transport ?? new HttpsTransport(config);
  }

  /** A client for a kubeconfig file's current context. */
  static async fromKubeconfig(
    path: string,
    options: { context?: string } & Partial<ClientConfig> = {},
  ): Promise<KubeClient> {
    return new KubeClient(await loadClientConfig(path, options));
  }

  /** Closes the connection; in-flight watches end. */
  close(): void {
    this.#transport.close();
  }

  /** One request with a JSON body; throws a `StatusError` for any non-2xx answer. */
  async request<R = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { contentType?: string; signal?: AbortSignal } = {},
  ): Promise<R> {
    const res = await this.#transport.request({
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined
        ? undefined
        : { "content-type": options.contentType ?? "application/json" },
      signal: options.signal,
    });
    if (res.status < 200 || res.status > 299) {
      throw statusErrorFrom(res.status, res.body, method, path);
    }
    return (res.body ? JSON.parse(res.body) : undefined) as R;
  }

  /** A raw request: any status comes back as it is. */
  raw(
    method: string,
    path: string,
    body?: string | Uint8Array,
    headers?: Record<string, string>,
  ): Promise<RawResponse> {
    return this.#transport.request({ method, path, body, headers });
  }

  get<T extends KubeObject>(
    res: Resource<T>,
    name: string,
    options: { namespace?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.request<T>("GET", resourcePath(res, options.namespace, name), undefined, options);
  }

  /** One page of a list (all of it unless `limit` is given). */
  list<T extends KubeObject>(res: Resource<T>, options: ListOptions = {}): Promise<KubeList<T>> {
    const q = query({
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.limit,
      continue: options.continue,
      resourceVersion: options.resourceVersion,
      resourceVersionMatch: options.resourceVersionMatch,
    });
    return this.request<KubeList<T>>(
      "GET",
      resourcePath(res, options.namespace) + q,
      undefined,
      options,
    );
  }

  /** Every item, following `continue` tokens page by page (`pageSize` items each). */
  async listAll<T extends KubeObject>(
    res: Resource<T>,
    options: Omit<ListOptions, "limit" | "continue"> & { pageSize?: number } = {},
  ): Promise<KubeList<T>> {
    const { pageSize = 500, ...rest } = options;
    const items: T[] = [];
    let cont: string | undefined;
    for (;;) {
      const page = await this.list(res, { ...rest, limit: pageSize, continue: cont });
      items.push(...page.items);
      cont = page.metadata?.continue || undefined;
      if (!cont) return { ...page, metadata: { ...page.metadata, continue: undefined }, items };
    }
  }

  create<T extends KubeObject>(res: Resource<T>, obj: T, options: WriteOptions = {}): Promise<T> {
    const ns = options.namespace ?? obj.metadata?.namespace;
    const body = { apiVersion: apiVersionOf(res), kind: res.kind, ...obj };
    return this.request<T>(
      "POST",
      resourcePath(res, ns) + this.#writeQuery(options),
      body,
      options,
    );
  }

  /** Replaces an object (PUT); `metadata.resourceVersion`, when set, guards against races. */
  update<T extends KubeObject>(res: Resource<T>, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(res, obj, undefined, options);
  }

  /** Replaces an object's status (PUT on `/status`). */
  updateStatus<T extends KubeObject>(
    res: Resource<T>,
    obj: T,
    options: WriteOptions = {},
  ): Promise<T> {
    return this.#put(res, obj, "status", options);
  }

  #put<T extends KubeObject>(
    res: Resource<T>,
    obj: T,
    subresource: string | undefined,
    options: WriteOptions,
  ): Promise<T> {
    const ns = options.namespace ?? obj.metadata?.namespace;
    const path = resourcePath(res, ns, nameOf(obj, `update ${res.resource}`), subresource);
    const body = { apiVersion: apiVersionOf(res), kind: res.kind, ...obj };
    return this.request<T>("PUT", path + this.#writeQuery(options), body, options);
  }

  /** Patches an object or its subresource; `apply` patches need `fieldManager`. */
  patch<T extends KubeObject>(
    res: Resource<T>,
    name: string,
    patch: unknown,
    type: PatchType,
    options: PatchOptions = {},
  ): Promise<T> {
    const path = resourcePath(res, options.namespace, name, options.subresource) +
      this.#writeQuery(options, options.force);
    return this.request<T>("PATCH", path, patch, {
      contentType: PATCH_TYPES[type],
      signal: options.signal,
    });
  }

  /** Deletes one object; returns the object (with deletionTimestamp when graceful) or a Status. */
  delete<T extends KubeObject>(
    res: Resource<T>,
    name: string,
    options: DeleteRequestOptions = {},
  ): Promise<T | Status> {
    const { namespace, signal, ...opts } = options;
    const body = { apiVersion: "v1", kind: "DeleteOptions", ...opts };
    return this.request<T | Status>("DELETE", resourcePath(res, namespace, name), body, {
      signal,
    });
  }

  /** Deletes every object matching the selectors. */
  deleteCollection<T extends KubeObject>(
    res: Resource<T>,
    options: DeleteRequestOptions & { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<KubeList<T> | Status> {
    const { namespace, signal, labelSelector, fieldSelector, ...opts } = options;
    const body = { apiVersion: "v1", kind: "DeleteOptions", ...opts };
    const path = resourcePath(res, namespace) + query({ labelSelector, fieldSelector });
    return this.request("DELETE", path, body, { signal });
  }

  /** `pods/binding`: assigns a pod to a node, as the scheduler does. */
  async bind(
    namespace: string,
    pod: string,
    node: string,
    options: { uid?: string; signal?: AbortSignal; annotations?: Record<string, string> } = {},
  ): Promise<void> {
    const body = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: pod, namespace, uid: options.uid, annotations: options.annotations },
      target: { apiVersion: "v1", kind: "Node", name: node },
    };
    await this.request("POST", resourcePath(PODS, namespace, pod, "binding"), body, options);
  }

  /** `pods/eviction`: a delete that disruption budgets may refuse (429). */
  async evict(
    namespace: string,
    pod: string,
    deleteOptions: DeleteOptions = {},
    signal?: AbortSignal,
  ): Promise<void> {
    const body = {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: pod, namespace },
      deleteOptions,
    };
    await this.request("POST", resourcePath(PODS, namespace, pod, "eviction"), body, { signal });
  }

  /** The `scale` subresource of a workload. */
  getScale(res: Resource, name: string, namespace?: string): Promise<Scale> {
    return this.request<Scale>("GET", resourcePath(res, namespace, name, "scale"));
  }

  /** Sets `spec.replicas` through the `scale` subresource. */
  scale(res: Resource, name: string, replicas: number, namespace?: string): Promise<Scale> {
    return this.request<Scale>(
      "PATCH",
      resourcePath(res, namespace, name, "scale"),
      { spec: { replicas } },
      { contentType: PATCH_TYPES.merge },
    );
  }

  /**
   * Watches a resource: yields events until the server ends the watch (or `signal` aborts);
   * throws a `StatusError` for a refused watch or an ERROR event (410 Gone when
   * `resourceVersion` is too old) and a `TransportError` when the connection breaks.
   */
  async *watch<T extends KubeObject>(
    res: Resource<T>,
    options: WatchOptions = {},
  ): AsyncGenerator<WatchEvent<T>> {
    const path = resourcePath(res, options.namespace) + query({
      watch: "true",
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      resourceVersionMatch: options.resourceVersionMatch ??
        (options.sendInitialEvents ? "NotOlderThan" : undefined),
      allowWatchBookmarks: options.allowWatchBookmarks ?? true,
      sendInitialEvents: options.sendInitialEvents,
      timeoutSeconds: options.timeoutSeconds,
    });
    const stream = await this.#transport.stream({ method: "GET", path, signal: options.signal });
    try {
      if (stream.status !== 200) {
        let body = "";
        for await (const c of stream.chunks) body += c;
        throw statusErrorFrom(stream.status, body, "watch", path);
      }
      yield* decodeWatch<T>(stream.chunks);
    } finally {
      stream.close();
    }
  }

  #writeQuery(options: WriteOptions, force?: boolean): string {
    return query({
      dryRun: options.dryRun ? "All" : undefined,
      fieldManager: options.fieldManager,
      force: force ? "true" : undefined,
    });
  }
}
