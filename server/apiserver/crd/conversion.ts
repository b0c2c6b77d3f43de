/**
 * A CustomResourceDefinition's conversion webhook (`spec.conversion.strategy: Webhook`): objects
 * are sent in one `apiextensions.k8s.io/v1` ConversionReview (v1beta1 when that is the only
 * version the webhook lists) to `clientConfig.url` or the service, over HTTPS checked against
 * `caBundle`, and come back in the desired version. A converted object keeps the metadata it was
 * sent with except labels and annotations, as upstream enforces. Failures are upstream's
 * `conversion webhook for <group/version, Kind=kind> failed: ...`, answered as 500s.
 *
 * @module
 */
import { internalError } from "../../../kube/errors.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import { type Obj, obj, str } from "../admission/attributes.ts";
import { callWebhook, WebhookCallError } from "../admission/webhook_call.ts";
import type { Registry } from "../registry.ts";
import type { AsyncConverter } from "../resource.ts";
import type { CrdSpec } from "./resource_def.ts";

/** How long a conversion may take, as upstream's fixed webhook timeout. */
const TIMEOUT_SECONDS = 30;

/**
 * The converter of a CRD with a conversion webhook (undefined for strategy `None`), with objects
 * stored in the storage version.
 */
export function webhookConverter(spec: CrdSpec, registry: Registry): AsyncConverter | undefined {
  const conversion = obj(spec.conversion);
  if (str(conversion?.strategy) !== "Webhook") return undefined;
  const webhook = obj(conversion?.webhook) ?? {};
  const clientConfig = (obj(webhook.clientConfig) ?? {}) as {
    url?: string;
    service?: Obj;
    caBundle?: string;
  };
  const reviewVersions = Array.isArray(webhook.conversionReviewVersions)
    ? webhook.conversionReviewVersions.map(str)
    : ["v1"];
  const reviewVersion = reviewVersions.includes("v1") ? "v1" : "v1beta1";
  const storageVersion = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name;
  const hook = {
    name: `${spec.names.plural}.${spec.group}`,
    clientConfig,
    timeoutSeconds: TIMEOUT_SECONDS,
  };
  return {
    storageVersion,
    async convert(objs: KubeObject[], toVersion: string): Promise<KubeObject[]> {
      const desired = `${spec.group}/${toVersion}`;
      const todo = objs.map((o, i) => ({ o, i })).filter(({ o }) => o.apiVersion !== desired);
      if (!todo.length) return objs;
      const gvk = `${todo[0].o.apiVersion}, Kind=${spec.names.kind}`;
      const uid = crypto.randomUUID();
      const review = {
        apiVersion: `apiextensions.k8s.io/${reviewVersion}`,
        kind: "ConversionReview",
        request: { uid, desiredAPIVersion: desired, objects: todo.map(({ o }) => o) },
      };
      let response: Obj;
      try {
        response = await callWebhook(registry, hook, review) as unknown as Obj;
      } catch (err) {
        if (!(err instanceof WebhookCallError)) throw err;
        throw internalError(`conversion webhook for ${gvk} failed: ${err.message}`);
      }
      const result = obj(response.result);
      if (str(result?.status) !== "Success") {
        throw internalError(
          `conversion webhook for ${gvk} returned invalid response: ${
            str(result?.message) ||
            `response.result.status was '${str(result?.status)}', not 'Success'`
          }`,
        );
      }
      const converted = Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
      if (converted.length !== todo.length) {
        throw internalError(
          `conversion webhook for ${gvk} returned ${converted.length} objects, expected ${todo.length}`,
        );
      }
      const out = [...objs];
      for (const [n, { o, i }] of todo.entries()) {
        out[i] = checked(o, converted[n], desired, spec.names.kind, gvk, n);
      }
      return out;
    },
  };
}

/** A converted object, validated and with the metadata it was sent with (labels, annotations aside). */
function checked(
  sent: KubeObject,
  got: unknown,
  desired: string,
  kind: string,
  gvk: string,
  index: number,
): KubeObject {
  const fail = (why: string) =>
    internalError(
      `conversion webhook for ${gvk} returned invalid converted object at index ${index}: ${why}`,
    );
  const o = obj(got);
  if (!o) throw fail("expected an object");
  if (o.apiVersion !== desired) {
    throw fail(`invalid apiVersion: expected ${desired}, got ${str(o.apiVersion)}`);
  }
  if (o.kind !== kind) throw fail(`invalid kind: expected ${kind}, got ${str(o.kind)}`);
  const meta = obj(o.metadata) ?? {};
  const labels = meta.labels, annotations = meta.annotations;
  const kept: Obj = { ...sent.metadata };
  if (labels !== undefined) kept.labels = labels;
  else delete kept.labels;
  if (annotations !== undefined) kept.annotations = annotations;
  else delete kept.annotations;
  return { ...o, metadata: kept } as KubeObject;
}
