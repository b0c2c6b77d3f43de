/**
 * The `certificatesigningrequests/approval` subresource: what `kubectl certificate approve` and
 * `deny` write. Only the conditions change (spec, certificate and metadata stay as stored); an
 * Approved or Denied condition may be added here and nowhere else, and never both.
 *
 * @module
 */
import {
  conflict,
  invalid,
  methodNotSupported,
  OPTIMISTIC_LOCK_MESSAGE,
} from "../../../../kube/errors.ts";
import { deepClone, formatTime, type KubeObject } from "../../../../kube/meta.ts";
import { fieldManager, type RequestContext, writeContext } from "../../context.ts";
import type { RecordOptions } from "../../managed_fields.ts";
import { decodeObject, readBody } from "../../negotiate.ts";
import { applyPatch } from "../../patch.ts";
import type { Served } from "../../registry.ts";
import { respondObject } from "../../respond.ts";
import type { SubresourceHandler, WriteHooks } from "../../rest.ts";
import type { WriteOptions } from "../../store.ts";
import { obj, objs } from "../core/util.ts";
import { fillConditions, validateConditionRemovals, validateConditions } from "./csr.ts";

/** The stored request with the conditions of `wanted` (timestamps filled in). */
export function withApproval(current: KubeObject, wanted: KubeObject, now: Date): KubeObject {
  const next = deepClone(current);
  const status = obj(next.status) ?? {};
  status.conditions = deepClone(objs(obj(wanted.status)?.conditions));
  if (!(status.conditions as unknown[]).length) delete status.conditions;
  next.status = status;
  fillConditions(next, current, formatTime(now));
  return next;
}

async function write(ctx: RequestContext, served: Served, hooks: WriteHooks): Promise<Response> {
  const { def, store } = served;
  const name = ctx.info.name;
  const body = await readBody(ctx.req);
  const type = ctx.req.headers.get("content-type");
  const update = ctx.info.verb === "update";
  const sent = update ? decodeObject(body, type) as KubeObject : null;
  const wantRv = sent ? obj(sent.metadata)?.resourceVersion : undefined;
  // Recorded as the approval subresource; stored through the status path (spec stays as it is).
  const opts: WriteOptions & RecordOptions = {
    subresource: "status",
    entrySubresource: "approval",
    fieldManager: fieldManager(ctx),
    apiVersion: "certificates.k8s.io/v1",
  };
  const updated = await store.guaranteedUpdate("", name, writeContext(ctx), opts, async (cur) => {
    if (wantRv && String(wantRv) !== String(cur.rv)) {
      throw conflict(store.gr, name, OPTIMISTIC_LOCK_MESSAGE);
    }
    const wanted = sent ?? applyPatch(def, deepClone(cur.obj), body, type);
    const next = withApproval(cur.obj, wanted, ctx.now);
    const errs = [
      ...validateConditions(objs(obj(next.status)?.conditions)),
      ...validateConditionRemovals(next, cur.obj),
    ];
    if (errs.length) throw invalid(def.kind, def.group, name, errs);
    await hooks.admit(ctx, served, "UPDATE", next, cur.obj);
    return next;
  }, !wantRv);
  return respondObject(ctx, def, updated);
}

const approval: SubresourceHandler = async (ctx, served, hooks) => {
  switch (ctx.info.verb) {
    case "get":
      return respondObject(ctx, served.def, await served.store.get("", ctx.info.name));
    case "update":
    case "patch":
      return await write(ctx, served, hooks);
  }
  throw methodNotSupported(
    { group: "certificates.k8s.io", resource: "certificatesigningrequests/approval" },
    ctx.info.verb,
  );
};

/** Handlers for `ApiServerOptions.subresources`. */
export const certificateSubresources: Record<string, SubresourceHandler> = {
  "certificates.k8s.io/certificatesigningrequests/approval": approval,
};
