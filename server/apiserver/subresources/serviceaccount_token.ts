/**
 * `serviceaccounts/token` (TokenRequest, what `kubectl create token` sends): a signed, expiring
 * token for a service account, optionally bound to a pod, secret or node so that it stops
 * working once that object is gone. Never stored.
 *
 * @module
 */
import {
  badRequest,
  conflict,
  type FieldError,
  invalid,
  methodNotSupported,
} from "../../../kube/errors.ts";
import { formatTime, isJsonObject, type KubeObject } from "../../../kube/meta.ts";
import { boundClaims, type BoundTokenSpec, type ObjectRef } from "../authn/sa_claims.ts";
import type { ServiceAccountTokenSigner } from "../authn/sa_claims.ts";
import type { RequestContext } from "../context.ts";
import { decodeObject, readBody } from "../negotiate.ts";
import type { Registry } from "../registry.ts";
import { respondValue } from "../respond.ts";
import type { SubresourceHandler } from "../rest.ts";

const AUTHN_GROUP = "authentication.k8s.io";
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface TokenRequestOptions {
  signer: ServiceAccountTokenSigner;
  /** The issuer new tokens carry. */
  issuer: string;
  /** Default audiences (`--api-audiences`). */
  apiAudiences: string[];
  /** `--service-account-max-token-expiration`: longer requests are shortened to it. */
  maxExpirationSeconds?: number;
  registry: Registry;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function refOf(obj: KubeObject): ObjectRef {
  return { name: obj.metadata.name ?? "", uid: obj.metadata.uid ?? "" };
}

function validate(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  // kubectl 1.27 sends `"expirationSeconds": null` when --duration is not given.
  const exp = spec.expirationSeconds ?? undefined;
  if (exp !== undefined && (typeof exp !== "number" || !Number.isInteger(exp))) {
    errs.push({
      type: "FieldValueInvalid",
      field: "spec.expirationSeconds",
      value: exp,
      detail: "must be an integer",
    });
  } else if (typeof exp === "number" && exp < MIN_EXPIRATION_SECONDS) {
    errs.push({
      type: "FieldValueInvalid",
      field: "spec.expirationSeconds",
      value: exp,
      detail: "may not specify a duration less than 10 minutes",
    });
  } else if (typeof exp === "number" && exp > MAX_EXPIRATION_SECONDS) {
    errs.push({
      type: "FieldValueInvalid",
      field: "spec.expirationSeconds",
      value: exp,
      detail: "may not specify a duration larger than 2^32 seconds",
    });
  }
  const auds = spec.audiences;
  if (auds !== undefined && auds !== null && (!Array.isArray(auds) || auds.some((a) => !str(a)))) {
    errs.push({
      type: "FieldValueInvalid",
      field: "spec.audiences",
      value: auds,
      detail: "must be a list of non-empty strings",
    });
  }
  return errs;
}

/** The `serviceaccounts/token` handler, keyed as `ApiServerOptions.subresources` wants it. */
export function serviceAccountTokenSubresource(
  opts: TokenRequestOptions,
): Record<string, SubresourceHandler> {
  const handler: SubresourceHandler = async (ctx, served, hooks) => {
    if (ctx.info.verb !== "create") {
      throw methodNotSupported({ group: "", resource: "serviceaccounts/token" }, ctx.info.verb);
    }
    const body = decodeObject(await readBody(ctx.req), ctx.req.headers.get("content-type"));
    if (body.kind !== undefined && body.kind !== "TokenRequest") {
      throw badRequest(`expected a TokenRequest, got ${String(body.kind)}`);
    }
    const spec = isJsonObject(body.spec) ? body.spec : {};
    const errs = validate(spec);
    if (errs.length) throw invalid("TokenRequest", AUTHN_GROUP, ctx.info.name, errs);

    const ns = ctx.info.namespace;
    const sa = (await served.store.get(ns, ctx.info.name)).obj;
    // NodeRestriction limits a kubelet to tokens bound to its own pods.
    await hooks.admit(ctx, served, "CREATE", body as KubeObject, null);
    const bound = await bind(ctx, opts.registry, sa, spec.boundObjectRef);
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length
      ? spec.audiences.map(str)
      : [...opts.apiAudiences];
    const requested = typeof spec.expirationSeconds === "number"
      ? spec.expirationSeconds
      : DEFAULT_EXPIRATION_SECONDS;
    const expirationSeconds = opts.maxExpirationSeconds
      ? Math.min(requested, opts.maxExpirationSeconds)
      : requested;
    const claims = boundClaims({
      issuer: opts.issuer,
      namespace: ns,
      serviceAccount: refOf(sa),
      audiences,
      expirationSeconds,
      now: ctx.now,
      ...bound,
    });
    const token = await opts.signer.sign(claims);
    const outSpec: Record<string, unknown> = { audiences, expirationSeconds };
    if (isJsonObject(spec.boundObjectRef)) outSpec.boundObjectRef = spec.boundObjectRef;
    return respondValue(ctx, {
      kind: "TokenRequest",
      apiVersion: `${AUTHN_GROUP}/v1`,
      metadata: { name: ctx.info.name, namespace: ns, creationTimestamp: null },
      spec: outSpec,
      status: { token, expirationTimestamp: formatTime(claims.exp * 1000) },
    }, 201);
  };
  return { "/serviceaccounts/token": handler };
}

/** The pod, secret or node a token is bound to (checked as upstream), with the pod's node. */
async function bind(
  ctx: RequestContext,
  registry: Registry,
  sa: KubeObject,
  refValue: unknown,
): Promise<Pick<BoundTokenSpec, "pod" | "secret" | "node">> {
  if (!isJsonObject(refValue)) return {};
  const kind = str(refValue.kind);
  const apiVersion = str(refValue.apiVersion);
  const name = str(refValue.name);
  const uid = str(refValue.uid);
  const ns = ctx.info.namespace;
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const checkUid = (obj: KubeObject, resource: string) => {
    if (uid && obj.metadata.uid !== uid) {
      throw conflict(
        { group: "", resource },
        name,
        `the UID in the bound object reference (${uid}) does not match the UID in record (${obj.metadata.uid}). The object might have been deleted and then recreated`,
      );
    }
  };
  if (group === "" && kind === "Pod") {
    const pod = (await registry.store("", "pods").get(ns, name)).obj;
    checkUid(pod, "Pod");
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    const podSa = str(spec.serviceAccountName) || "default";
    if (podSa !== sa.metadata.name) {
      throw badRequest(
        `cannot bind token for serviceaccount "${sa.metadata.name}" to pod running with different serviceaccount name.`,
      );
    }
    const out: Pick<BoundTokenSpec, "pod" | "node"> = { pod: refOf(pod) };
    const nodeName = str(spec.nodeName);
    if (nodeName) {
      const node = await registry.store("", "nodes").tryGet("", nodeName);
      out.node = { name: nodeName, uid: node?.obj.metadata.uid ?? "" };
    }
    return out;
  }
  if (group === "" && kind === "Secret") {
    const secret = (await registry.store("", "secrets").get(ns, name)).obj;
    checkUid(secret, "Secret");
    return { secret: refOf(secret) };
  }
  if (group === "" && kind === "Node") {
    const node = (await registry.store("", "nodes").get("", name)).obj;
    checkUid(node, "Node");
    return { node: refOf(node) };
  }
  const gvk = `${apiVersion || "/"}, Kind=${kind}`;
  throw badRequest(`cannot bind token to object of type ${gvk}`);
}
