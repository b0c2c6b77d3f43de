/**
 * Which nodes a DaemonSet runs on (upstream's `NodeShouldRunDaemonPod`) and how its pods are
 * pinned there: the tolerations every daemon pod gets (not-ready, unreachable, pressure,
 * unschedulable and, with host networking, network-unavailable), and the required node affinity
 * `metadata.name In [node]` that replaces the template's, so the scheduler binds the pod to its
 * node.
 *
 * @module
 */
import type { Node, Pod, PodSpec, Toleration } from "../../../kube/client/mod.ts";
import { deepClone } from "../../../kube/meta.ts";
import { compileNodeSelector, compileTerms } from "../../scheduler/node_selector.ts";
import { firstUntolerated } from "../../scheduler/taints.ts";
import type { PodTemplate } from "../common/types.ts";

/** The tolerations added to every daemon pod (`AddOrUpdateDaemonPodTolerations`). */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: string): Toleration => ({
    key: `node.kubernetes.io/${key}`,
    operator: "Exists",
    effect,
  });
  const out = [
    t("not-ready", "NoExecute"),
    t("unreachable", "NoExecute"),
    t("disk-pressure", "NoSchedule"),
    t("memory-pressure", "NoSchedule"),
    t("pid-pressure", "NoSchedule"),
    t("unschedulable", "NoSchedule"),
  ];
  if (hostNetwork) out.push(t("network-unavailable", "NoSchedule"));
  return out;
}

/** `spec` with the daemon tolerations added or replacing ones of the same key and effect. */
export function withDaemonTolerations(spec: PodSpec): PodSpec {
  const out = deepClone(spec);
  const tolerations = [...(out.tolerations ?? [])];
  for (const add of daemonTolerations(out.hostNetwork === true)) {
    const i = tolerations.findIndex((x) => x.key === add.key && x.effect === add.effect);
    if (i >= 0) tolerations[i] = add;
    else tolerations.push(add);
  }
  out.tolerations = tolerations;
  return out;
}

/** `spec` whose required node affinity is `metadata.name In [node]` only. */
export function pinnedToNode(spec: PodSpec, node: string): PodSpec {
  const out = deepClone(spec);
  const term = { matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] };
  out.affinity ??= {};
  out.affinity.nodeAffinity ??= {};
  out.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [term],
  };
  return out;
}

/** The node a daemon pod is for: its nodeName, or the one its affinity pins it to. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) {
        return f.values[0];
      }
    }
  }
  return undefined;
}

/** Whether a daemon pod should be started on `node`, and whether one there may keep running. */
export function shouldRun(
  template: PodTemplate | undefined,
  node: Node,
): { run: boolean; keep: boolean } {
  const spec = withDaemonTolerations(template?.spec ?? { containers: [] });
  const name = node.metadata.name!;
  const labels = node.metadata.labels ?? {};
  if (spec.nodeName && spec.nodeName !== name) return { run: false, keep: false };
  if (spec.nodeSelector && !compileNodeSelector(spec.nodeSelector)(labels, name)) {
    return { run: false, keep: false };
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !compileTerms(required.nodeSelectorTerms ?? [])(labels, name)) {
    return { run: false, keep: false };
  }
  const taints = node.spec?.taints ?? [];
  const tolerations = spec.tolerations ?? [];
  if (firstUntolerated(taints, tolerations, ["NoExecute"])) return { run: false, keep: false };
  if (firstUntolerated(taints, tolerations, ["NoSchedule"])) return { run: false, keep: true };
  return { run: true, keep: true };
}
