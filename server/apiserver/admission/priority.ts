/**
 * Priority admission (upstream `plugin/pkg/admission/priority`): a new pod's
 * `priorityClassName` is resolved to `priority` and `preemptionPolicy`; a pod naming none gets
 * the cluster's `globalDefault` class, else priority 0. A pod may not set a priority that
 * differs from its class. On update the values stored at create are kept.
 *
 * PriorityClasses are read from `scheduling.k8s.io/priorityclasses` when that resource is
 * served. Until it is, only the two built-in classes upstream always has resolve; a pod naming
 * any other class is admitted unchanged (nothing to resolve against yet), and the pod strategy
 * defaults its priority to 0.
 *
 * @module
 */
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import { admissionForbidden, child, isPod, obj, str } from "./attributes.ts";

/** The classes upstream's API server creates at start. */
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};

interface Resolved {
  name: string;
  value: number;
  preemptionPolicy?: string;
}

export function priority(registry: Registry): AdmissionPlugin {
  const classes = () =>
    registry.all().find((s) =>
      s.def.group === "scheduling.k8s.io" && s.def.plural === "priorityclasses"
    )?.store;

  async function byName(name: string): Promise<Resolved | null | undefined> {
    const store = classes();
    if (!store) {
      const value = SYSTEM_PRIORITY_CLASSES[name];
      return value === undefined
        ? undefined
        : { name, value, preemptionPolicy: "PreemptLowerPriority" };
    }
    const found = await store.tryGet("", name);
    return found ? toResolved(found.obj as Record<string, unknown>) : null;
  }

  async function globalDefault(): Promise<Resolved | null> {
    const store = classes();
    if (!store) return null;
    const { items } = await store.list("", { resourceVersion: "0" });
    // Upstream picks the lowest value when several are marked default.
    let best: Resolved | null = null;
    for (const item of items) {
      const pc = item.obj as Record<string, unknown>;
      if (pc.globalDefault !== true) continue;
      const r = toResolved(pc);
      if (!best || r.value < best.value) best = r;
    }
    return best;
  }

  async function admitCreate(attrs: AdmissionAttributes, spec: Record<string, unknown>) {
    const name = str(spec.priorityClassName);
    let resolved: Resolved | null | undefined;
    if (!name) {
      resolved = await globalDefault();
      if (resolved) spec.priorityClassName = resolved.name;
      else resolved = { name: "", value: 0 };
    } else {
      resolved = await byName(name);
      if (resolved === undefined) return;
      if (resolved === null) {
        throw admissionForbidden(attrs, `no PriorityClass with name ${name} was found`);
      }
    }
    if (typeof spec.priority === "number" && spec.priority !== resolved.value) {
      throw admissionForbidden(
        attrs,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${resolved.value} from the given PriorityClass name`,
      );
    }
    spec.priority = resolved.value;
    if (resolved.preemptionPolicy) {
      const given = str(spec.preemptionPolicy);
      if (given && given !== resolved.preemptionPolicy) {
        throw admissionForbidden(
          attrs,
          `the string value of PreemptionPolicy (${given}) must not be provided in pod spec; priority admission controller computed ${resolved.preemptionPolicy} from the given PriorityClass name`,
        );
      }
      spec.preemptionPolicy = resolved.preemptionPolicy;
    }
  }

  return {
    name: "Priority",
    async validate(attrs) {
      const { def } = attrs.served;
      if (def.group !== "scheduling.k8s.io" || def.plural !== "priorityclasses") return;
      if (attrs.operation === "DELETE" || attrs.object?.globalDefault !== true) return;
      const other = await globalDefault();
      if (other && other.name !== attrs.object.metadata.name) {
        throw admissionForbidden(
          attrs,
          `PriorityClass ${other.name} is marked as default. Only one default can exist`,
        );
      }
    },
    async admit(attrs) {
      if (!isPod(attrs)) return;
      const spec = child(attrs.object!, "spec");
      if (attrs.operation === "CREATE") return await admitCreate(attrs, spec);
      if (attrs.operation === "UPDATE" && attrs.old) {
        // Validation forbids changing these; a client that leaves them out keeps them.
        const old = obj(attrs.old.spec) ?? {};
        if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
        if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined) {
          spec.preemptionPolicy = old.preemptionPolicy;
        }
      }
    },
  };
}

function toResolved(pc: Record<string, unknown>): Resolved {
  return {
    name: str(obj(pc.metadata)?.name),
    value: typeof pc.value === "number" ? pc.value : 0,
    preemptionPolicy: str(pc.preemptionPolicy) || "PreemptLowerPriority",
  };
}
