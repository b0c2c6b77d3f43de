/**
 * DefaultTolerationSeconds admission (upstream `plugin/pkg/admission/defaulttolerationseconds`):
 * a new pod that does not already tolerate them tolerates the `not-ready` and `unreachable`
 * NoExecute taints for 300 seconds, so its node can flap briefly without the pod being evicted.
 *
 * @module
 */
import type { AdmissionPlugin } from "../app.ts";
import { child, isPod, objs, str } from "./attributes.ts";

export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";
export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

export interface DefaultTolerationSecondsOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

export function defaultTolerationSeconds(
  opts: DefaultTolerationSecondsOptions = {},
): AdmissionPlugin {
  const seconds: [string, number][] = [
    [NOT_READY_TAINT, opts.notReadySeconds ?? 300],
    [UNREACHABLE_TAINT, opts.unreachableSeconds ?? 300],
  ];
  return {
    name: "DefaultTolerationSeconds",
    admit(attrs) {
      if (!isPod(attrs) || attrs.operation !== "CREATE") return;
      const spec = child(attrs.object!, "spec");
      const tolerations = objs(spec.tolerations);
      const added = [];
      for (const [key, tolerationSeconds] of seconds) {
        // An empty key or effect tolerates every taint key or effect.
        const tolerated = tolerations.some((t) =>
          (str(t.key) === key || !str(t.key)) && (t.effect === "NoExecute" || !str(t.effect))
        );
        if (!tolerated) {
          added.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds });
        }
      }
      if (added.length) {
        spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added];
      }
    },
  };
}
