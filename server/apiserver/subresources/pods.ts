/**
 * Pod subresources that write: `binding` (the scheduler's assignment to a node) and `eviction`
 * (a delete that disruption budgets may refuse).
 *
 * @module
 */
import { badRequest, methodNotSupported } from "../../../kube/errors.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import { fieldManager, type RequestContext, writeContext } from "../context.ts";
import { decodeObject, readBody } from "../negotiate.ts";
import type { Registry, Served } from "../registry.ts";
import { respondValue } from "../respond.ts";
import type { SubresourceHandler, WriteHooks } from "../rest.ts";
import { applyBinding } from "../resources/core/mod.ts";
import { checkDisruptionBudget, withDisruptionTarget } from "./eviction.ts";

function success(ctx: RequestContext): Response {
  return respondValue(ctx, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    code: 201,
  }, 201);
}

async function body(ctx: RequestContext): Promise<Record<string, unknown>> {
  return decodeObject(await readBody(ctx.req), ctx.req.headers.get("content-type"));
}

const binding: SubresourceHandler = async (ctx, served, hooks) => {
  if (ctx.info.verb !== "create") {
    throw methodNotSupported({ group: "", resource: "pods/binding" }, ctx.info.verb);
  }
  const b = await body(ctx);
  const name = (b.metadata as { name?: string } | undefined)?.name;
  if (name && name !== ctx.info.name) {
    throw badRequest(`name in URL does not match name in Binding object`);
  }
  await served.store.guaranteedUpdate(
    ctx.info.namespace,
    ctx.info.name,
    writeContext(ctx),
    { fieldManager: fieldManager(ctx), apiVersion: "v1" },
    async (current) => {
      const next = applyBinding(current.obj, b as KubeObject);
      await hooks.admit(ctx, served, "UPDATE", next, current.obj);
      return next;
    },
    false,
  );
  return success(ctx);
};

const eviction = (registry: Registry): SubresourceHandler =>
async (
  ctx: RequestContext,
  served: Served,
  hooks: WriteHooks,
) => {
  if (ctx.info.verb !== "create") {
    throw methodNotSupported({ group: "", resource: "pods/eviction" }, ctx.info.verb);
  }
  const e = await body(ctx);
  const opts = (e.deleteOptions ?? {}) as Record<string, unknown>;
  const current = await served.store.get(ctx.info.namespace, ctx.info.name);
  await hooks.admit(ctx, served, "DELETE", null, current.obj);
  const wctx = writeContext(ctx);
  // Disruption budgets may refuse (429); an allowed eviction marks the pod before deleting it.
  if (await checkDisruptionBudget(registry, current.obj, wctx, fieldManager(ctx))) {
    await served.store.guaranteedUpdate(
      ctx.info.namespace,
      ctx.info.name,
      wctx,
      { subresource: "status", fieldManager: fieldManager(ctx), apiVersion: "v1" },
      (pod) => withDisruptionTarget(pod.obj, ctx.now),
    );
  }
  await served.store.delete(ctx.info.namespace, ctx.info.name, writeContext(ctx), {
    gracePeriodSeconds: typeof opts.gracePeriodSeconds === "number"
      ? opts.gracePeriodSeconds
      : undefined,
    preconditions: opts.preconditions as { uid?: string; resourceVersion?: string } | undefined,
  });
  return success(ctx);
};

/** The handlers; eviction reads the PodDisruptionBudgets of `registry`. */
export function podSubresources(registry: Registry): Record<string, SubresourceHandler> {
  return { "/pods/binding": binding, "/pods/eviction": eviction(registry) };
}
