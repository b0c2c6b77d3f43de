/**
 * The shapes of HorizontalPodAutoscaler (`autoscaling/v2`) and Scale (`autoscaling/v1`) the
 * controller reads and writes.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/meta.ts";
import type { Condition } from "../common/types.ts";
import type { Behavior } from "./behavior.ts";

export interface MetricTarget {
  type: string;
  averageUtilization?: number;
  averageValue?: string;
}

export interface MetricSpec {
  type: string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
}

export interface HpaSpec {
  scaleTargetRef: { apiVersion?: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: Behavior;
}

export interface HpaStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: Record<string, unknown>[];
  conditions?: Condition[];
}

export type Hpa = KubeObject & { spec: HpaSpec; status?: HpaStatus };

export interface Scale {
  metadata: KubeObject["metadata"];
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}
