/**
 * The controllers `k3s server` runs, as {@link ControllerDescriptor}s for the
 * {@link ControllerManager}: each under its upstream name (as in `--controllers`), acting as its
 * own service account in kube-system (see `credentials.ts`), reading through the manager's
 * shared informers.
 *
 * @module
 */
import { EventRecorder, type KubeClient } from "../../kube/client/mod.ts";
import type { ControllerDescriptor } from "./framework/mod.ts";
import { CronJobController } from "./cronjob/mod.ts";
import { DaemonSetController } from "./daemonset/mod.ts";
import { DeploymentController } from "./deployment/mod.ts";
import { GarbageCollector } from "./garbagecollector/mod.ts";
import { HpaController, type HpaSettings } from "./hpa/mod.ts";
import { JobController, TtlAfterFinishedController } from "./job/mod.ts";
import { NamespaceController } from "./namespace/mod.ts";
import { ReplicaSetController, REPLICATION_CONTROLLER_KIND } from "./replicaset/mod.ts";
import { StatefulSetController } from "./statefulset/mod.ts";
import { PersistentVolumeController } from "./volume/mod.ts";

/** What the descriptors need: a client per service account. */
export interface ControllerClients {
  /** The client acting as `system:serviceaccount:kube-system:<name>`. */
  clientFor(serviceAccount: string): KubeClient;
}

/** Settings of individual controllers (from `--kube-controller-manager-arg`). */
export interface WorkloadControllerOptions {
  hpa?: HpaSettings;
}

/** Every workload controller, in the order they start. */
export function workloadControllers(
  clients: ControllerClients,
  options: WorkloadControllerOptions = {},
): ControllerDescriptor[] {
  const as = (sa: string) => clients.clientFor(sa);
  return [
    {
      name: "replicaset",
      workers: 5,
      create: (ctx) =>
        new ReplicaSetController({
          ...ctx,
          name: "replicaset",
          client: as("replicaset-controller"),
        }),
    },
    {
      name: "replicationcontroller",
      workers: 5,
      create: (ctx) => {
        const client = as("replication-controller");
        return new ReplicaSetController({
          ...ctx,
          name: "replicationcontroller",
          client,
          kind: REPLICATION_CONTROLLER_KIND,
          recorder: new EventRecorder({
            client,
            component: "replication-controller",
            clock: ctx.clock,
            log: ctx.log,
          }),
        });
      },
    },
    {
      name: "deployment",
      workers: 5,
      create: (ctx) =>
        new DeploymentController({
          ...ctx,
          name: "deployment",
          client: as("deployment-controller"),
        }),
    },
    {
      name: "statefulset",
      workers: 5,
      create: (ctx) =>
        new StatefulSetController({
          ...ctx,
          name: "statefulset",
          client: as("statefulset-controller"),
        }),
    },
    {
      name: "daemonset",
      workers: 2,
      create: (ctx) =>
        new DaemonSetController({
          ...ctx,
          name: "daemonset",
          client: as("daemon-set-controller"),
        }),
    },
    {
      name: "job",
      workers: 5,
      create: (ctx) => new JobController({ ...ctx, name: "job", client: as("job-controller") }),
    },
    {
      name: "cronjob",
      workers: 5,
      create: (ctx) =>
        new CronJobController({ ...ctx, name: "cronjob", client: as("cronjob-controller") }),
    },
    {
      name: "ttl-after-finished",
      workers: 5,
      create: (ctx) =>
        new TtlAfterFinishedController({
          ...ctx,
          name: "ttl-after-finished",
          client: as("ttl-after-finished-controller"),
        }),
    },
    {
      name: "horizontalpodautoscaling",
      workers: 5,
      create: (ctx) => {
        const client = as("horizontal-pod-autoscaler");
        return new HpaController({
          ...ctx,
          ...options.hpa,
          name: "horizontal-pod-autoscaler",
          client,
          recorder: new EventRecorder({
            client,
            component: "horizontal-pod-autoscaler",
            clock: ctx.clock,
            log: ctx.log,
          }),
        });
      },
    },
    {
      name: "garbagecollector",
      workers: 10,
      create: (ctx) =>
        new GarbageCollector({
          ...ctx,
          name: "garbagecollector",
          client: as("generic-garbage-collector"),
        }),
    },
    {
      name: "persistentvolume-binder",
      workers: 2,
      create: (ctx) =>
        new PersistentVolumeController({
          ...ctx,
          name: "persistentvolume-binder",
          client: as("persistent-volume-binder"),
        }),
    },
    {
      name: "namespace",
      workers: 5,
      create: (ctx) =>
        new NamespaceController({ ...ctx, name: "namespace", client: as("namespace-controller") }),
    },
  ];
}
