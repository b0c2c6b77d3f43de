/**
 * The PodDisruptionBudget check of `pods/eviction` (upstream `pkg/registry/core/pod/storage/
 * eviction.go`): a pod that is finished, pending or already being deleted goes without a
 * check; otherwise the one budget selecting it must allow a disruption, which the eviction
 * takes (`disruptionsAllowed` - 1, the pod under `disruptedPods`) before the pod gets a
 * `DisruptionTarget` condition and is deleted. A refusal is 429 with upstream's message.
 *
 * @module
 */
import { internalError, StatusError } from "../../../kube/errors.ts";
import { type LabelSelector, labelSelectorAsSelector } from "../../../kube/labels.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import type { Registry } from "../registry.ts";
import type { WriteContext } from "../resource.ts";

type Obj = Record<string, unknown>;

interface Budget extends KubeObject {
  spec?: { selector?: LabelSelector | null; unhealthyPodEvictionPolicy?: string };
  status?: {
    observedGeneration?: number;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptedPods?: Record<string, string>;
  };
}

/** Upstream caps the pods one budget tracks as disrupted. */
const MAX_DISRUPTED_PODS = 2000;

export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

function refused(cause: string): StatusError {
  return new StatusError(429, "TooManyRequests", EVICTION_REFUSED, {
    causes: [{ reason: "DisruptionBudget", message: cause }],
  });
}

function podReady(pod: KubeObject): boolean {
  const conds = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conds?.find((c) => c.type === "Ready")?.status === "True";
}

/** Phases and states in which a pod's eviction ignores budgets. */
function ignoresBudgets(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !!pod.metadata.deletionTimestamp || phase === "Succeeded" || phase === "Failed" ||
    phase === "Pending";
}

/**
 * Checks the budgets of `pod` and takes one disruption when needed; throws a 429 when the
 * budget allows none. Returns whether the pod should get the `DisruptionTarget` condition.
 */
export async function checkDisruptionBudget(
  registry: Registry,
  pod: KubeObject,
  ctx: WriteContext,
  fieldManager: string,
): Promise<boolean> {
  if (ignoresBudgets(pod)) return false;
  const namespace = pod.metadata.namespace ?? "";
  const store = registry.store("policy", "poddisruptionbudgets");
  const { items } = await store.list(namespace);
  const budgets = items.map((i) => i.obj as Budget).filter((b) => {
    if (!b.spec?.selector) return false;
    try {
      return labelSelectorAsSelector(b.spec.selector).matches(pod.metadata.labels);
    } catch {
      return false;
    }
  });
  if (!budgets.length) return true;
  if (budgets.length > 1) {
    throw internalError(
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    );
  }
  const name = budgets[0].metadata.name!;
  const podName = pod.metadata.name!;
  await store.guaranteedUpdate(
    namespace,
    name,
    ctx,
    { subresource: "status", fieldManager, apiVersion: "policy/v1" },
    (current) => {
      const pdb = current.obj as Budget;
      const status = pdb.status ?? {};
      if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
        throw refused(`The disruption budget ${name} is still being processed by the server.`);
      }
      if (!podReady(pod)) {
        // An unhealthy pod may go when the budget is met anyway, or always when so asked.
        const always = pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow";
        const desired = status.desiredHealthy ?? 0;
        if (always || ((status.currentHealthy ?? 0) >= desired && desired > 0)) return pdb;
      }
      const allowed = status.disruptionsAllowed ?? 0;
      if (allowed < 0) throw refused("pdb disruptions allowed is negative");
      if (allowed === 0) {
        throw refused(
          `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${
            status.currentHealthy ?? 0
          } currently`,
        );
      }
      const disrupted = { ...status.disruptedPods };
      if (Object.keys(disrupted).length >= MAX_DISRUPTED_PODS) {
        throw refused(
          "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
        );
      }
      disrupted[podName] = ctx.now.toISOString().replace(/\.\d{3}Z$/, "Z");
      return {
        ...pdb,
        status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods: disrupted },
      };
    },
  );
  return true;
}

/** The `DisruptionTarget` condition an eviction puts on the pod before deleting it. */
export function withDisruptionTarget(pod: KubeObject, now: Date): KubeObject {
  const status = (pod.status ?? {}) as Obj;
  const conds = ((status.conditions ?? []) as Obj[]).filter((c) => c.type !== "DisruptionTarget");
  conds.push({
    type: "DisruptionTarget",
    status: "True",
    reason: "EvictionByEvictionAPI",
    message: "Eviction API: evicting",
    lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
  });
  return { ...pod, status: { ...status, conditions: conds } };
}
