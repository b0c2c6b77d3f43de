/**
 * Test helpers for resource strategies: a fake write context and the store's create and update
 * sequences (prepare, generation, validate) without a datastore.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, deepEqual, formatTime, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef, WriteContext } from "../../resource.ts";

export const NOW = new Date("2024-05-01T12:00:00Z");

/** A write context that records warnings. */
export function fakeContext(namespace = "default"): WriteContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    user: { name: "tester", groups: ["system:authenticated"] },
    namespace,
    now: NOW,
    dryRun: false,
    warn: (m) => warnings.push(m),
    warnings,
  };
}

/** What the store would write on create, and the strategy's field errors. */
export async function create(
  def: ResourceDef,
  input: KubeObject,
  ctx = fakeContext(input.metadata.namespace ?? "default"),
): Promise<{ obj: KubeObject; errors: FieldError[]; warnings: string[] }> {
  const obj = deepClone(input);
  obj.metadata.uid ??= "3f1c0a5e-7a7b-4d1e-9b59-2f5c8e0d6a11";
  obj.metadata.creationTimestamp = formatTime(NOW);
  if (def.generation) obj.metadata.generation = 1;
  await def.strategy?.prepareForCreate?.(obj, ctx);
  const errors = def.strategy?.validate?.(obj, ctx) ?? [];
  return { obj, errors, warnings: def.strategy?.warnings?.(obj) ?? [] };
}

/** What the store would write on update of `old` with `input`, and the field errors. */
export async function update(
  def: ResourceDef,
  input: KubeObject,
  old: KubeObject,
  ctx = fakeContext(input.metadata.namespace ?? "default"),
): Promise<{ obj: KubeObject; errors: FieldError[]; warnings: string[] }> {
  const obj = deepClone(input);
  if (def.status) {
    if ("status" in old) obj.status = deepClone(old.status);
    else delete obj.status;
  }
  obj.metadata.generation = old.metadata.generation;
  await def.strategy?.prepareForUpdate?.(obj, old, ctx);
  if (def.generation) {
    const { metadata: _m, status: _s, ...rest } = obj;
    const { metadata: _om, status: _os, ...oldRest } = old;
    if (!deepEqual(rest, oldRest)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
  const errors = [
    ...(def.strategy?.validate?.(obj, ctx) ?? []),
    ...(def.strategy?.validateUpdate?.(obj, old, ctx) ?? []),
  ];
  return { obj, errors, warnings: def.strategy?.warnings?.(obj) ?? [] };
}

/** Field errors as `type field` strings, for compact assertions. */
export function fieldsOf(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.type} ${e.field}`);
}

/** The cells of `def`'s own columns for `obj`, keyed by column name. */
export function cells(def: ResourceDef, obj: KubeObject, now = NOW): Record<string, unknown> {
  return Object.fromEntries((def.columns ?? []).map((c) => [c.name, c.cell(obj, now)]));
}
