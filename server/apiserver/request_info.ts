/**
 * What a request asks for, read from its method and path as upstream's RequestInfoFactory does:
 * the verb, and for resource requests the group, version, namespace, resource, name and
 * subresource. Authorization and routing both use it.
 *
 * @module
 */

export interface RequestInfo {
  isResourceRequest: boolean;
  /** The path for non-resource requests. */
  path: string;
  verb: string;
  apiPrefix: "api" | "apis" | "";
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after /api or /apis (for discovery). */
  parts: string[];
  /** `?fieldSelector=` of a list or watch, for authorizers that scope by it (the Node authorizer). */
  fieldSelector?: string;
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

const METHOD_VERBS: Record<string, string> = {
  POST: "create",
  GET: "get",
  HEAD: "get",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

export function requestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: (METHOD_VERBS[method] ?? method).toLowerCase(),
    apiPrefix: "",
    group: "",
    version: "",
    namespace: "",
    resource: "",
    subresource: "",
    name: "",
    parts: [],
  };
  const segments = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  if (segments[0] !== "api" && segments[0] !== "apis") return info;
  info.apiPrefix = segments[0];
  let parts = segments.slice(1);
  info.parts = parts;
  if (info.apiPrefix === "apis") {
    if (parts.length < 3) return info;
    info.group = parts[0];
    parts = parts.slice(1);
  } else if (parts.length < 2) return info;
  info.version = parts[0];
  parts = parts.slice(1);
  info.isResourceRequest = true;

  if (parts[0] === "watch") {
    info.verb = "watch";
    parts = parts.slice(1);
  } else if (parts[0] === "proxy") {
    info.verb = "proxy";
    parts = parts.slice(1);
  }
  if (parts[0] === "namespaces" && parts.length > 1) {
    info.namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  info.resource = parts[0] ?? "";
  info.name = parts[1] ?? "";
  info.subresource = parts[2] ?? "";
  if (parts.length > 3 && info.subresource !== "proxy") {
    // Only proxy subresources carry a trailing path.
    info.isResourceRequest = parts.length === 3;
  }

  const watch = parseBool(url.searchParams.get("watch"));
  if (!info.name && info.verb === "get") info.verb = watch ? "watch" : "list";
  if (info.verb === "get" && watch) info.verb = "watch";
  if (!info.name && info.verb === "delete") info.verb = "deletecollection";
  const fieldSelector = url.searchParams.get("fieldSelector");
  if (fieldSelector) info.fieldSelector = fieldSelector;
  return info;
}

/** Go's strconv.ParseBool truths, as upstream reads `?watch=` (clients send `True`, `1`, ...). */
export function parseBool(value: string | null): boolean {
  return value !== null && ["1", "t", "T", "true", "TRUE", "True"].includes(value);
}
