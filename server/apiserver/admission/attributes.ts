/**
 * Helpers every admission plugin shares: what a request is about (resource, subresource, the
 * object's name before generation), upstream's `is forbidden` error for a refused request, and
 * audit annotations kept per request for the audit log.
 *
 * @module
 */
import { forbidden, type StatusError } from "../../../kube/errors.ts";
import { isJsonObject, type KubeObject } from "../../../kube/meta.ts";
import type { AdmissionAttributes } from "../app.ts";
import type { RequestContext } from "../context.ts";

/** A JSON object. */
export type Obj = Record<string, unknown>;

/** The value as an object, or undefined. */
export function obj(v: unknown): Obj | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** The value as an array of objects, skipping what is not an object. */
export function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

/** The value as a string ("" when it is not one). */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** `o[key]` as an object, created when absent. */
export function child(o: Obj, key: string): Obj {
  const v = o[key];
  if (isJsonObject(v)) return v;
  const made: Obj = {};
  o[key] = made;
  return made;
}

/** True when the request is for `group/plural` itself (no subresource). */
export function isMainResource(attrs: AdmissionAttributes, group: string, plural: string): boolean {
  const { def } = attrs.served;
  return def.group === group && def.plural === plural && attrs.ctx.info.subresource === "";
}

/** True for a pod create or update of the pod itself (not status, binding, ...). */
export function isPod(attrs: AdmissionAttributes): boolean {
  return isMainResource(attrs, "", "pods") && attrs.object !== null;
}

/** The namespace of the request ("" for cluster-scoped resources). */
export function namespaceOf(attrs: AdmissionAttributes): string {
  return attrs.served.def.namespaced ? attrs.ctx.info.namespace : "";
}

/**
 * The name upstream uses in admission errors: the object's name, else its generateName (names
 * are generated after admission), else the name in the URL.
 */
export function admissionName(attrs: AdmissionAttributes): string {
  const meta = (attrs.object ?? attrs.old)?.metadata;
  return meta?.name || meta?.generateName || attrs.ctx.info.name;
}

/**
 * Upstream's `admission.NewForbidden`: `pods "x" is forbidden: <reason>` (`pods is forbidden:`
 * when `name` is "").
 */
export function admissionForbidden(
  attrs: AdmissionAttributes,
  reason: string,
  name = admissionName(attrs),
): StatusError {
  const { def } = attrs.served;
  const sub = attrs.ctx.info.subresource;
  const qualified = def.group ? `${def.plural}.${def.group}` : def.plural;
  const what = name ? `${qualified} "${name}"` : qualified;
  return forbidden(`${what} is forbidden: ${reason}`, {
    name,
    group: def.group,
    kind: sub ? `${def.plural}/${sub}` : def.plural,
  });
}

/** The `metadata.labels` of an object (empty when absent). */
export function labelsOf(o: KubeObject | Obj | null | undefined): Record<string, string> {
  const labels = obj(obj(o?.metadata)?.labels) ?? {};
  return labels as Record<string, string>;
}

/** Adds a `Warning` header to the response, once. */
export function warn(ctx: RequestContext, message: string): void {
  if (!ctx.warnings.includes(message)) ctx.warnings.push(message);
}

const AUDIT = new WeakMap<RequestContext, Record<string, string>>();

/** Records an audit annotation of the request (`pod-security.kubernetes.io/audit-violations`, ...). */
export function addAuditAnnotation(ctx: RequestContext, key: string, value: string): void {
  const all = AUDIT.get(ctx) ?? {};
  all[key] = value;
  AUDIT.set(ctx, all);
}

/** The audit annotations admission recorded for a request, for the audit log. */
export function auditAnnotations(ctx: RequestContext): Readonly<Record<string, string>> {
  return AUDIT.get(ctx) ?? {};
}
