/**
 * The `autoscaling` API group: horizontal pod autoscalers in `v2` and `v1`. (The `Scale` kind of
 * `autoscaling/v1` is served by the scale subresources of the workloads.)
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { horizontalPodAutoscalers } from "./hpa.ts";

export { horizontalPodAutoscalers };
export { convertHpa, hpaToV1, hpaToV2 } from "./hpa_convert.ts";

export const resources: ResourceDef[] = [horizontalPodAutoscalers];
