/**
 * The horizontal pod autoscaler ({@link HpaController}, `hpa.ts`): what the metrics propose
 * (`proposal.ts`), resource metrics from `metrics.k8s.io` (`metrics.ts`), the replica
 * calculation (`replicas.ts`) and `behavior`'s stabilization and rate limits (`behavior.ts`).
 *
 * @module
 */
export { HpaController, type HpaControllerConfig, HPAS } from "./hpa.ts";
export { normalize, type Recommendation, type ScaleEvent } from "./behavior.ts";
export { type PodSample, resourceReplicas, type ResourceTarget } from "./replicas.ts";
export { type HpaSettings, hpaSettings } from "./options.ts";
