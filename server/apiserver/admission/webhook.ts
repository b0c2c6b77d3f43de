/**
 * MutatingAdmissionWebhook and ValidatingAdmissionWebhook (admissionregistration.k8s.io/v1):
 * every matching webhook of the configurations in the registry is sent an AdmissionReview.
 * Mutating webhooks run one after another in the mutating phase and may answer a JSON patch,
 * applied to the object before the next one sees it; validating webhooks run in parallel in
 * the validating phase. A denial is returned as upstream words it
 * (`admission webhook "x" denied the request: ...`); a webhook that cannot be called fails the
 * request under `failurePolicy: Fail` and is skipped under `Ignore`. Warnings reach the client;
 * audit annotations are kept for the audit log. Reinvocation is not done.
 *
 * The configurations are read from the watch cache, as upstream reads them from an informer:
 * a configuration takes effect a moment after it is written.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { forbidden, internalError, StatusError } from "../../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../../kube/meta.ts";
import { applyJsonPatch } from "../../../kube/patch/json_patch.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import { addAuditAnnotation, labelsOf, type Obj, obj, str, warn } from "./attributes.ts";
import {
  admissionReview,
  callWebhook,
  type ReviewResponse,
  WebhookCallError,
} from "./webhook_call.ts";
import { evaluateConditions } from "./webhook_conditions.ts";
import {
  matchingVersion,
  namespaceSelectorMatches,
  objectSelectorMatches,
  type Webhook,
  webhooksOf,
} from "./webhook_match.ts";

export const ADMISSION_GROUP = "admissionregistration.k8s.io";

type Kind = "mutating" | "validating";

/** A webhook that will be called, with the review it gets. */
interface Call {
  hook: Webhook;
  review: Obj;
}

export function mutatingWebhook(registry: Registry): AdmissionPlugin {
  const dispatcher = new Dispatcher(registry, "mutating");
  return {
    name: "MutatingAdmissionWebhook",
    async admit(attrs) {
      for (const hook of await dispatcher.webhooks(attrs)) {
        const call = await dispatcher.prepare(hook, attrs);
        if (!call) continue;
        const response = await dispatcher.call(call, attrs);
        if (response) applyPatch(hook, response, attrs);
      }
    },
  };
}

export function validatingWebhook(registry: Registry): AdmissionPlugin {
  const dispatcher = new Dispatcher(registry, "validating");
  return {
    name: "ValidatingAdmissionWebhook",
    async validate(attrs) {
      const calls: Call[] = [];
      for (const hook of await dispatcher.webhooks(attrs)) {
        const call = await dispatcher.prepare(hook, attrs);
        if (call) calls.push(call);
      }
      const results = await Promise.allSettled(calls.map((c) => dispatcher.call(c, attrs)));
      for (const [i, r] of results.entries()) {
        if (r.status === "rejected") throw r.reason;
        if (r.value?.patch) {
          throw internalError(
            `admission webhook "${
              calls[i].hook.name
            }" attempted to modify the object, which is not supported for this operation`,
          );
        }
      }
    },
  };
}

class Dispatcher {
  #registry: Registry;
  #kind: Kind;
  #plural: string;

  constructor(registry: Registry, kind: Kind) {
    this.#registry = registry;
    this.#kind = kind;
    this.#plural = `${kind}webhookconfigurations`;
  }

  /** The webhooks of every configuration, configurations sorted by name. */
  async webhooks(attrs: AdmissionAttributes): Promise<Webhook[]> {
    // Webhooks never see writes of admission configuration itself, so none can lock it.
    if (attrs.served.def.group === ADMISSION_GROUP) return [];
    const served = this.#registry.all().find((s) =>
      s.def.group === ADMISSION_GROUP && s.def.plural === this.#plural
    );
    if (!served) return [];
    const { items } = await served.store.list("", { resourceVersion: "0" });
    const nameOf = (o: Obj) => str(obj(o.metadata)?.name);
    const configs = items.map((i) => i.obj as Obj).sort((a, b) =>
      nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0
    );
    return configs.flatMap(webhooksOf);
  }

  /** The review for a webhook that matches the request, or null when it does not. */
  async prepare(hook: Webhook, attrs: AdmissionAttributes): Promise<Call | null> {
    const version = matchingVersion(hook, attrs);
    if (!version) return null;
    if (!objectSelectorMatches(hook, attrs)) return null;
    const ns = attrs.served.def.namespaced ? attrs.ctx.info.namespace : "";
    const nsLabels = ns && hook.namespaceSelector && Object.keys(hook.namespaceSelector).length
      ? labelsOf((await this.#registry.store("", "namespaces").tryGet("", ns))?.obj)
      : null;
    if (!namespaceSelectorMatches(hook, attrs, nsLabels)) return null;
    const review = admissionReview(attrs, version, crypto.randomUUID());
    if (hook.matchConditions.length) {
      const result = evaluateConditions(hook.matchConditions, obj(review.request)!);
      if (result.match === false) return null;
      if (result.match === "error") {
        if (hook.failurePolicy === "Ignore") return null;
        throw forbidden(
          `${
            qualified(attrs)
          } is forbidden: failed to evaluate match conditions of webhook "${hook.name}": ${result.error}`,
        );
      }
    }
    return { hook, review };
  }

  /** Calls the webhook; null when it failed and its failure policy ignores that. */
  async call({ hook, review }: Call, attrs: AdmissionAttributes): Promise<ReviewResponse | null> {
    let response: ReviewResponse;
    try {
      response = await callWebhook(this.#registry, hook, review, attrs.ctx.signal);
    } catch (err) {
      if (!(err instanceof WebhookCallError)) throw err;
      if (hook.failurePolicy === "Ignore") {
        console.warn(`Failed calling webhook, failing open ${hook.name}: ${err.message}`);
        addAuditAnnotation(
          attrs.ctx,
          `failed-open.${this.#kind}.webhook.admission.k8s.io/${hook.uid}`,
          hook.name,
        );
        return null;
      }
      throw internalError(`failed calling webhook "${hook.name}": ${err.message}`);
    }
    for (const w of response.warnings ?? []) warn(attrs.ctx, w);
    for (const [k, v] of Object.entries(response.auditAnnotations ?? {})) {
      addAuditAnnotation(attrs.ctx, `${hook.name}/${k}`, v);
    }
    if (!response.allowed) throw denied(hook.name, response.status);
    return response;
  }
}

function qualified(attrs: AdmissionAttributes): string {
  const { def } = attrs.served;
  const res = def.group ? `${def.plural}.${def.group}` : def.plural;
  const name = (attrs.object ?? attrs.old)?.metadata.name;
  return name ? `${res} "${name}"` : res;
}

/** Upstream's `ToStatusErr`: the webhook's status, at least a 400, with who denied it. */
export function denied(name: string, status: ReviewResponse["status"]): StatusError {
  const by = `admission webhook "${name}" denied the request`;
  const code = status?.code && status.code >= 400 ? status.code : 400;
  const message = status?.message
    ? `${by}: ${status.message}`
    : status?.reason
    ? `${by}: ${status.reason}`
    : `${by} without explanation`;
  return new StatusError(code, status?.reason ?? "", message);
}

/** Applies a mutating webhook's JSON patch to the object, in place. */
function applyPatch(hook: Webhook, response: ReviewResponse, attrs: AdmissionAttributes): void {
  if (!response.patch) return;
  const target = attrs.object;
  if (!target) return;
  if (response.patchType !== "JSONPatch") {
    throw internalError(
      `admission webhook "${hook.name}" returned a patch of unsupported type ${
        response.patchType ?? "(none)"
      }`,
    );
  }
  let patched: unknown;
  try {
    const ops = JSON.parse(Buffer.from(response.patch, "base64").toString("utf8"));
    patched = applyJsonPatch(deepClone(target), ops);
  } catch (err) {
    throw internalError(
      `admission webhook "${hook.name}" returned an invalid patch: ${(err as Error).message}`,
    );
  }
  const next = obj(patched);
  if (!next || !obj(next.metadata)) {
    throw internalError(`admission webhook "${hook.name}" patched the object into a non-object`);
  }
  const { apiVersion, kind } = target;
  for (const k of Object.keys(target)) delete (target as Obj)[k];
  Object.assign(target, next, { apiVersion, kind } as Partial<KubeObject>);
}
