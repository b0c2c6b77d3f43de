/**
 * Upstream defaults a pod as it is decoded, before any admission plugin sees it; the generic
 * store here defaults in `prepareForCreate`, after admission. This first mutating step gives
 * admission the defaults it depends on: the PodSpec defaults and requests copied from limits
 * (LimitRanger must not default a request a limit already implies, and quota charges requests).
 * The store applies the same defaults again, which changes nothing.
 *
 * @module
 */
import type { AdmissionPlugin } from "../app.ts";
import { defaultPodSpec } from "../resources/core/mod.ts";
import { child, isPod, obj, objs } from "./attributes.ts";

export function podDefaults(): AdmissionPlugin {
  return {
    name: "PodDefaults",
    admit(attrs) {
      if (!isPod(attrs) || attrs.operation === "DELETE") return;
      const spec = child(attrs.object!, "spec");
      defaultPodSpec(spec);
      for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
        const resources = obj(c.resources);
        const limits = obj(resources?.limits);
        if (!resources || !limits) continue;
        const requests = child(resources, "requests");
        for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
      }
    },
  };
}
