/**
 * The shapes of the workload objects the controllers read and write, as on the wire: optional
 * where the API may omit a field, loose elsewhere (every object keeps {@link KubeObject}'s index
 * signature, so fields a controller does not read pass through untouched).
 *
 * @module
 */
import type { KubeObject, ObjectMeta, Pod, PodSpec } from "../../../kube/client/mod.ts";
import type { LabelSelector } from "../../../kube/labels.ts";

export type { KubeObject, ObjectMeta, Pod, PodSpec };
export type { LabelSelector };

/** `core/v1.PodTemplateSpec`. */
export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/** A status condition as every workload kind writes it. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown" | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string;
}

/** `intstr.IntOrString`, as `maxSurge`, `maxUnavailable`, `partition` carry it. */
export type IntOrPercent = number | string;

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  /** A LabelSelector for ReplicaSets; a plain map for ReplicationControllers. */
  selector?: LabelSelector | Record<string, string> | null;
  template?: PodTemplate;
}

export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

/** `apps/v1` ReplicaSet or `core/v1` ReplicationController. */
export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface DeploymentStrategy {
  type?: "RollingUpdate" | "Recreate" | string;
  rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent };
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
  [field: string]: unknown;
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector | null;
    template?: PodTemplate;
    strategy?: DeploymentStrategy;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector | null;
    template?: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: "OrderedReady" | "Parallel" | string;
    updateStrategy?: {
      type?: "RollingUpdate" | "OnDelete" | string;
      rollingUpdate?: { partition?: number; maxUnavailable?: IntOrPercent };
    };
    volumeClaimTemplates?: KubeObject[];
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    ordinals?: { start?: number };
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    collisionCount?: number;
    conditions?: Condition[];
  };
}

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: LabelSelector | null;
    template?: PodTemplate;
    updateStrategy?: {
      type?: "RollingUpdate" | "OnDelete" | string;
      rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: {
    currentNumberScheduled?: number;
    numberMisscheduled?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    observedGeneration?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    collisionCount?: number;
    conditions?: Condition[];
  };
}

/** `apps/v1` ControllerRevision. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}

export interface PodFailurePolicyRule {
  action: "FailJob" | "FailIndex" | "Ignore" | "Count" | string;
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn" | string; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  selector?: LabelSelector | null;
  manualSelector?: boolean;
  template?: PodTemplate;
  ttlSecondsAfterFinished?: number;
  completionMode?: "NonIndexed" | "Indexed" | string;
  suspend?: boolean;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  podReplacementPolicy?: "TerminatingOrFailed" | "Failed" | string;
  managedBy?: string;
}

export interface JobStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string | null;
    startingDeadlineSeconds?: number | null;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace" | string;
    suspend?: boolean;
    jobTemplate?: { metadata?: ObjectMeta; spec?: JobSpec };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
  status?: {
    active?: {
      apiVersion?: string;
      kind?: string;
      name?: string;
      namespace?: string;
      uid?: string;
      resourceVersion?: string;
    }[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: Condition[] };
}
