/**
 * `namespaces/finalize` (PUT): the one write that may change a namespace's `spec.finalizers`.
 * The namespace controller removes `kubernetes` through it once a Terminating namespace is
 * empty; with no finalizer left, the namespace is deleted by that same write. Like upstream's
 * finalize storage, the body replaces the namespace except its status.
 *
 * @module
 */
import {
  badRequest,
  conflict,
  methodNotSupported,
  OPTIMISTIC_LOCK_MESSAGE,
} from "../../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../../kube/meta.ts";
import { fieldManager, writeContext } from "../context.ts";
import { decodeObject, readBody } from "../negotiate.ts";
import { markFinalize } from "../resources/core/namespace.ts";
import { respondObject } from "../respond.ts";
import type { SubresourceHandler } from "../rest.ts";

const finalize: SubresourceHandler = async (ctx, served, hooks) => {
  const gr = { group: "", resource: "namespaces/finalize" };
  if (ctx.info.verb !== "update") throw methodNotSupported(gr, ctx.info.verb);
  const body = decodeObject(
    await readBody(ctx.req),
    ctx.req.headers.get("content-type"),
  ) as KubeObject;
  const name = ctx.info.name;
  if (body.metadata?.name && body.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  const wantRv = body.metadata?.resourceVersion;
  const stored = await served.store.guaranteedUpdate(
    "",
    name,
    writeContext(ctx),
    { fieldManager: fieldManager(ctx), apiVersion: "v1" },
    async (current) => {
      if (wantRv && wantRv !== String(current.rv)) {
        throw conflict({ group: "", resource: "namespaces" }, name, OPTIMISTIC_LOCK_MESSAGE);
      }
      const next = deepClone(body);
      next.metadata = { ...next.metadata, name };
      markFinalize(next);
      await hooks.admit(ctx, served, "UPDATE", next, current.obj);
      return next;
    },
    !wantRv,
  );
  return respondObject(ctx, served.def, stored);
};

export const namespaceSubresources: Record<string, SubresourceHandler> = {
  "/namespaces/finalize": finalize,
};
