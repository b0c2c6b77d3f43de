/**
 * The `scale` subresource: an `autoscaling/v1` Scale read from and written to the paths a
 * resource declares.
 *
 * @module
 */
import { badRequest, conflict, OPTIMISTIC_LOCK_MESSAGE } from "../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../kube/meta.ts";
import { formatLabelSelector, type LabelSelector } from "../../kube/labels.ts";
import type { ScaleDef } from "./resource.ts";
import type { CachedObject } from "./watch_cache.ts";

function at(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (typeof cur[p] !== "object" || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/** A LabelSelector, or a plain label map (as replication controllers have), as text. */
function selectorText(sel: object): string {
  if ("matchLabels" in sel || "matchExpressions" in sel) {
    return formatLabelSelector(sel as LabelSelector);
  }
  return Object.entries(sel as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(",");
}

/** The Scale of an object. */
export function toScale(item: CachedObject, def: ScaleDef): Record<string, unknown> {
  const m = item.obj.metadata;
  const status: Record<string, unknown> = {
    replicas: Number(at(item.obj, def.statusReplicasPath) ?? 0),
  };
  if (def.labelSelectorPath) {
    const sel = at(item.obj, def.labelSelectorPath);
    if (typeof sel === "string") status.selector = sel;
    else if (sel && typeof sel === "object") status.selector = selectorText(sel);
  }
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: String(item.rv),
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: Number(at(item.obj, def.specReplicasPath) ?? 0) },
    status,
  };
}

/** The object with the replicas a Scale asks for. */
export function fromScale(
  current: CachedObject,
  scale: Record<string, unknown>,
  def: ScaleDef,
  plural: string,
): KubeObject {
  const meta = (scale.metadata ?? {}) as Record<string, unknown>;
  if (meta.resourceVersion && meta.resourceVersion !== String(current.rv)) {
    throw conflict(
      { group: "", resource: plural },
      current.obj.metadata.name ?? "",
      OPTIMISTIC_LOCK_MESSAGE,
    );
  }
  const replicas = (scale.spec as Record<string, unknown> | undefined)?.replicas;
  if (replicas !== undefined && (!Number.isInteger(replicas) || (replicas as number) < 0)) {
    throw badRequest(
      `Scale.autoscaling "${current.obj.metadata.name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
    );
  }
  const next = deepClone(current.obj);
  setAt(next, def.specReplicasPath, replicas ?? 0);
  return next;
}
