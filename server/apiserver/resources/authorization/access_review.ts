/**
 * SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectAccessReview: "may this user do
 * this?", answered by the server's authorizer and never stored. `kubectl auth can-i` sends the
 * self review, as the requesting (or impersonated) user.
 *
 * @module
 */
import { badRequest, type FieldError, invalid } from "../../../../kube/errors.ts";
import { isJsonObject, type KubeObject } from "../../../../kube/meta.ts";
import type { Authorizer } from "../../app.ts";
import { attributes, type ChainDecision } from "../../authz/chain.ts";
import type { RequestInfo } from "../../request_info.ts";
import type { ResourceDef, UserInfo, WriteContext } from "../../resource.ts";

export const AUTHORIZATION_GROUP = "authorization.k8s.io";

type Obj = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function specOf(o: KubeObject): Obj {
  return isJsonObject(o.spec) ? o.spec : {};
}

/** Errors of the resource/non-resource attribute choice. */
function attributeErrors(spec: Obj): FieldError[] {
  const hasResource = spec.resourceAttributes !== undefined && spec.resourceAttributes !== null;
  const hasNonResource = spec.nonResourceAttributes !== undefined &&
    spec.nonResourceAttributes !== null;
  if (hasResource && hasNonResource) {
    return [{
      type: "FieldValueInvalid",
      field: "spec.nonResourceAttributes",
      value: spec.nonResourceAttributes,
      detail: "cannot be specified in combination with resourceAttributes",
    }];
  }
  if (!hasResource && !hasNonResource) {
    return [{
      type: "FieldValueInvalid",
      field: "spec.resourceAttributes",
      value: null,
      detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified",
    }];
  }
  return [];
}

/** Metadata must be empty (but for the namespace of local reviews). */
function metadataErrors(o: KubeObject, allowNamespace: boolean): FieldError[] {
  const set = Object.entries(o.metadata ?? {}).filter(([k, v]) =>
    v !== null && v !== undefined && v !== "" && k !== "managedFields" &&
    !(allowNamespace && k === "namespace") &&
    !(isJsonObject(v) && Object.keys(v).length === 0) && !(Array.isArray(v) && v.length === 0)
  );
  if (set.length === 0) return [];
  return [{
    type: "FieldValueInvalid",
    field: "metadata",
    value: o.metadata,
    detail: allowNamespace ? "must be empty except for namespace" : "must be empty",
  }];
}

/** The request attributes a review asks about. */
export function reviewAttributes(spec: Obj): RequestInfo {
  if (isJsonObject(spec.resourceAttributes)) {
    const a = spec.resourceAttributes;
    return attributes({
      verb: str(a.verb),
      namespace: str(a.namespace),
      group: str(a.group),
      version: str(a.version) || "*",
      resource: str(a.resource),
      subresource: str(a.subresource),
      name: str(a.name),
    });
  }
  const n = isJsonObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  return attributes({ verb: str(n.verb), path: str(n.path), isResourceRequest: false });
}

/** The user a (local) subject access review names. */
function specUser(spec: Obj): UserInfo {
  const user: UserInfo = { name: str(spec.user), groups: strings(spec.groups) };
  if (str(spec.uid)) user.uid = str(spec.uid);
  if (isJsonObject(spec.extra)) {
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(spec.extra)) extra[k] = strings(v);
    user.extra = extra;
  }
  return user;
}

/** `status` of a review from a decision. */
export function reviewStatus(d: ChainDecision): Obj {
  const status: Obj = { allowed: d.allowed };
  if (d.denied) status.denied = true;
  if (d.reason) status.reason = d.reason;
  return status;
}

function fail(kind: string, errs: FieldError[]): never {
  throw invalid(kind, AUTHORIZATION_GROUP, "", errs);
}

function review(kind: string, plural: string, namespaced: boolean, decide: ReviewFn): ResourceDef {
  return {
    group: AUTHORIZATION_GROUP,
    versions: ["v1"],
    kind,
    plural,
    singular: plural.slice(0, -1),
    namespaced,
    verbs: ["create"],
    async virtualCreate(obj, ctx) {
      const status = await decide(obj, ctx);
      return { ...obj, apiVersion: `${AUTHORIZATION_GROUP}/v1`, kind, status };
    },
  };
}

type ReviewFn = (obj: KubeObject, ctx: WriteContext) => Promise<Obj>;

export function subjectAccessReviewResource(authorizer: Authorizer): ResourceDef {
  const kind = "SubjectAccessReview";
  return review(kind, "subjectaccessreviews", false, async (obj) => {
    const spec = specOf(obj);
    const errs = attributeErrors(spec);
    if (!str(spec.user) && strings(spec.groups).length === 0) {
      errs.push({
        type: "FieldValueInvalid",
        field: "spec.user",
        value: str(spec.user),
        detail: "at least one of user or group must be specified",
      });
    }
    errs.push(...metadataErrors(obj, false));
    if (errs.length) fail(kind, errs);
    return reviewStatus(await authorizer.authorize(specUser(spec), reviewAttributes(spec)));
  });
}

export function localSubjectAccessReviewResource(authorizer: Authorizer): ResourceDef {
  const kind = "LocalSubjectAccessReview";
  return review(kind, "localsubjectaccessreviews", true, async (obj, ctx) => {
    const meta = obj.metadata ??= {};
    if (meta.namespace && ctx.namespace && meta.namespace !== ctx.namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.namespace ||= ctx.namespace;
    const spec = specOf(obj);
    const errs = attributeErrors(spec);
    if (!str(spec.user) && strings(spec.groups).length === 0) {
      errs.push({
        type: "FieldValueInvalid",
        field: "spec.user",
        value: str(spec.user),
        detail: "at least one of user or group must be specified",
      });
    }
    errs.push(...metadataErrors(obj, true));
    const resource = isJsonObject(spec.resourceAttributes) ? spec.resourceAttributes : null;
    if (resource && str(resource.namespace) !== meta.namespace) {
      errs.push({
        type: "FieldValueInvalid",
        field: "spec.resourceAttributes.namespace",
        value: str(resource.namespace),
        detail: "must match metadata.namespace",
      });
    }
    if (spec.nonResourceAttributes !== undefined && spec.nonResourceAttributes !== null) {
      errs.push({
        type: "FieldValueInvalid",
        field: "spec.nonResourceAttributes",
        value: spec.nonResourceAttributes,
        detail: "disallowed on this kind of request",
      });
    }
    if (errs.length) fail(kind, errs);
    if (!ctx.namespace) throw badRequest("namespace is required on this type: ");
    return reviewStatus(await authorizer.authorize(specUser(spec), reviewAttributes(spec)));
  });
}

export function selfSubjectAccessReviewResource(authorizer: Authorizer): ResourceDef {
  const kind = "SelfSubjectAccessReview";
  return review(kind, "selfsubjectaccessreviews", false, async (obj, ctx) => {
    const spec = specOf(obj);
    const errs = attributeErrors(spec);
    if (errs.length) fail(kind, errs);
    return reviewStatus(await authorizer.authorize(ctx.user, reviewAttributes(spec)));
  });
}
