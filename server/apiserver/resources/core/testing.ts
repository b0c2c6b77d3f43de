/**
 * Test helpers: a fake WriteContext and in-memory claims standing in for the datastore.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef, WriteContext } from "../../resource.ts";
import type { ClaimKind, CoreDeps } from "./allocator.ts";
import { coreResources } from "./mod.ts";

export function fakeContext(
  opts: Partial<WriteContext> = {},
): WriteContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    user: { name: "admin", groups: ["system:masters"] },
    namespace: "default",
    now: new Date("2026-01-01T00:00:00Z"),
    dryRun: false,
    warn: (m) => warnings.push(m),
    warnings,
    ...opts,
  };
}

/** Claims held in a Set; every claim yields to the event loop first, as a datastore write would. */
export function fakeDeps(serviceCidr = "10.43.0.0/16"): CoreDeps & { held: Set<string> } {
  const held = new Set<string>();
  return {
    serviceCidr,
    nodePortRange: [30000, 32767],
    held,
    async claim(kind: ClaimKind, id: string) {
      await Promise.resolve();
      const key = `${kind}/${id}`;
      if (held.has(key)) return false;
      held.add(key);
      return true;
    },
    async release(kind: ClaimKind, id: string) {
      await Promise.resolve();
      held.delete(`${kind}/${id}`);
    },
  };
}

/** The core resource of `plural`. */
export function coreDef(plural: string, deps: CoreDeps = fakeDeps()): ResourceDef {
  const def = coreResources(deps).find((d) => d.plural === plural);
  if (!def) throw new Error(`no core resource ${plural}`);
  return def;
}

/** Runs prepareForCreate and validate as the store does, returning the field errors. */
export async function create(def: ResourceDef, obj: KubeObject, ctx = fakeContext()) {
  await def.strategy?.prepareForCreate?.(obj, ctx);
  const errs = def.strategy?.validate?.(obj, ctx) ?? [];
  if (errs.length) await def.strategy?.createFailed?.(obj);
  return errs;
}

/** Runs prepareForUpdate, validate and validateUpdate as the store does. */
export async function update(
  def: ResourceDef,
  obj: KubeObject,
  old: KubeObject,
  ctx = fakeContext(),
) {
  if (def.status) obj.status = structuredClone(old.status);
  await def.strategy?.prepareForUpdate?.(obj, old, ctx);
  return [
    ...(def.strategy?.validate?.(obj, ctx) ?? []),
    ...(def.strategy?.validateUpdate?.(obj, old, ctx) ?? []),
  ];
}

/** The cell of column `name` for `obj`. */
export function cell(
  def: ResourceDef,
  name: string,
  obj: KubeObject,
  now = new Date("2026-01-01T00:00:00Z"),
) {
  const col = def.columns?.find((c) => c.name === name);
  if (!col) throw new Error(`no column ${name}`);
  return col.cell(obj, now);
}
