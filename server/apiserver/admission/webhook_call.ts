/**
 * Calling one admission webhook: the `admission.k8s.io/v1` AdmissionReview request for a write,
 * POSTed over HTTPS to `clientConfig.url` or to a service's ClusterIP and port (the certificate
 * checked against `caBundle` and `<service>.<namespace>.svc`), within `timeoutSeconds`, and the
 * response read back.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { request as httpsRequest } from "node:https";
import type { AdmissionAttributes } from "../app.ts";
import type { Registry } from "../registry.ts";
import { apiVersionOf } from "../resource.ts";
import { type Obj, obj, objs, str } from "./attributes.ts";
import type { Webhook } from "./webhook_match.ts";

/** The `response` of an AdmissionReview. */
export interface ReviewResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string; status?: string };
  patch?: string;
  patchType?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** A webhook that could not be called or answered nonsense (subject to failurePolicy). */
export class WebhookCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookCallError";
  }
}

/** The AdmissionReview sent for a request, as the webhook sees it at `version`. */
export function admissionReview(attrs: AdmissionAttributes, version: string, uid: string): Obj {
  const { ctx, served } = attrs;
  const { def } = served;
  const sub = ctx.info.subresource;
  const kind = { group: def.group, version, kind: def.kind };
  const resource = { group: def.group, version, resource: def.plural };
  const user = ctx.user;
  const userInfo: Obj = { username: user.name, groups: user.groups };
  if (user.uid) userInfo.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length) userInfo.extra = user.extra;
  const request: Obj = {
    uid,
    kind,
    resource,
    requestKind: { ...kind, version: ctx.info.version },
    requestResource: { ...resource, version: ctx.info.version },
    name: (attrs.object ?? attrs.old)?.metadata.name || ctx.info.name,
    operation: attrs.operation,
    userInfo,
    object: attrs.object ? withVersion(attrs.object, def.group, version) : null,
    oldObject: attrs.old ? withVersion(attrs.old, def.group, version) : null,
    dryRun: ctx.url.searchParams.getAll("dryRun").includes("All"),
    options: operationOptions(attrs),
  };
  if (def.namespaced) request.namespace = ctx.info.namespace;
  if (sub) {
    request.subResource = sub;
    request.requestSubResource = sub;
  }
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request };
}

function withVersion(o: object, group: string, version: string): object {
  return { ...o, apiVersion: apiVersionOf(group, version) };
}

function operationOptions(attrs: AdmissionAttributes): Obj {
  const q = attrs.ctx.url.searchParams;
  const kind = attrs.operation === "CREATE"
    ? "CreateOptions"
    : attrs.operation === "UPDATE"
    ? "UpdateOptions"
    : "DeleteOptions";
  const out: Obj = { kind, apiVersion: "meta.k8s.io/v1" };
  if (attrs.operation !== "DELETE" && q.get("fieldManager")) {
    out.fieldManager = q.get("fieldManager");
  }
  if (q.getAll("dryRun").length) out.dryRun = q.getAll("dryRun");
  return out;
}

/** Where to send the review: a URL, and the TLS server name to verify. */
export async function webhookTarget(
  registry: Registry,
  hook: Pick<Webhook, "clientConfig" | "timeoutSeconds">,
): Promise<{ url: URL; serverName?: string }> {
  const timeout = `${hook.timeoutSeconds}s`;
  const { url, service } = hook.clientConfig;
  if (url) {
    const u = new URL(url);
    u.searchParams.set("timeout", timeout);
    return { url: u };
  }
  if (!service) throw new WebhookCallError("webhook has no url or service");
  const ns = str(service.namespace);
  const name = str(service.name);
  const port = typeof service.port === "number" ? service.port : 443;
  const svc = await registry.store("", "services").tryGet(ns, name);
  if (!svc) throw new WebhookCallError(`service "${name}" not found`);
  const spec = obj(svc.obj.spec) ?? {};
  const ip = str(spec.clusterIP);
  if (!ip || ip === "None") {
    throw new WebhookCallError(`service "${ns}/${name}" has no cluster IP`);
  }
  if (!objs(spec.ports).some((p) => p.port === port)) {
    throw new WebhookCallError(`service "${ns}/${name}" has no port ${port}`);
  }
  const host = ip.includes(":") ? `[${ip}]` : ip;
  const u = new URL(`https://${host}:${port}${str(service.path) || "/"}`);
  u.searchParams.set("timeout", timeout);
  return { url: u, serverName: `${name}.${ns}.svc` };
}

/** POSTs the review and returns its response; throws {@link WebhookCallError} on any failure. */
export async function callWebhook(
  registry: Registry,
  hook: Pick<Webhook, "clientConfig" | "timeoutSeconds">,
  review: Obj,
  signal?: AbortSignal,
): Promise<ReviewResponse> {
  const { url, serverName } = await webhookTarget(registry, hook);
  const ca = hook.clientConfig.caBundle
    ? Buffer.from(hook.clientConfig.caBundle, "base64").toString("utf8")
    : undefined;
  const body = JSON.stringify(review);
  const where = `failed to call webhook: Post "${url}"`;
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(url, {
      method: "POST",
      ca,
      servername: serverName,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "content-length": String(Buffer.byteLength(body)),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e: Error) => reject(new WebhookCallError(`${where}: ${e.message}`)));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) {
          reject(
            new WebhookCallError(`${where}: the server responded with status ${res.statusCode}`),
          );
        } else resolve(text);
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new WebhookCallError(`${where}: context deadline exceeded`));
    }, hook.timeoutSeconds * 1000);
    const abort = () => {
      req.destroy();
      reject(new WebhookCallError(`${where}: context canceled`));
    };
    signal?.addEventListener("abort", abort, { once: true });
    req.on("error", (e: Error) => reject(new WebhookCallError(`${where}: ${e.message}`)));
    req.on("close", () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    });
    req.end(body);
  });
  let parsed: Obj | undefined;
  try {
    parsed = obj(JSON.parse(text));
  } catch {
    throw new WebhookCallError("received invalid webhook response: not a JSON AdmissionReview");
  }
  const response = obj(parsed?.response);
  if (!response) throw new WebhookCallError("webhook response was absent");
  const sentUid = str(obj(review.request)?.uid);
  if (response.uid !== sentUid) {
    throw new WebhookCallError(
      `expected response.uid="${sentUid}", got "${str(response.uid)}"`,
    );
  }
  return response as unknown as ReviewResponse;
}
