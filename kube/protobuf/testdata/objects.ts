/**
 * Representative objects in the exact JSON form Go's `encoding/json` prints for them, so that
 * `decode(encode(x))` must give `x` back. Shared by the codec tests and the benchmark.
 *
 * @module
 */

/** A scheduled, running Pod touching most of PodSpec and PodStatus. */
export const POD = {
  kind: "Pod",
  apiVersion: "v1",
  metadata: {
    name: "web-7d9c8b6f5-abcde",
    generateName: "web-7d9c8b6f5-",
    namespace: "default",
    uid: "0b8f7c1e-3f5a-4c5e-9d2a-1f2e3d4c5b6a",
    resourceVersion: "12345",
    creationTimestamp: "2026-11-26T15:20:16Z",
    labels: { app: "web", "pod-template-hash": "7d9c8b6f5" },
    annotations: { "kubernetes.io/description": "a pod with ünïcode" },
    ownerReferences: [{
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "web-7d9c8b6f5",
      uid: "5e6f7a8b-0000-4000-8000-000000000001",
      controller: true,
      blockOwnerDeletion: true,
    }],
    managedFields: [{
      manager: "kube-controller-manager",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-11-26T15:20:16Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } } },
    }],
  },
  spec: {
    volumes: [
      {
        name: "config",
        configMap: {
          name: "web-config",
          items: [{ key: "nginx.conf", path: "nginx.conf", mode: 420 }],
          defaultMode: 420,
        },
      },
      { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "token", secret: { secretName: "web-token", defaultMode: 256, optional: false } },
    ],
    containers: [{
      name: "web",
      image: "nginx:1.27",
      command: ["nginx"],
      args: ["-g", "daemon off;"],
      ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
      env: [
        { name: "MODE", value: "production" },
        { name: "EMPTY" },
        {
          name: "PASSWORD",
          valueFrom: { secretKeyRef: { name: "db", key: "password", optional: true } },
        },
        {
          name: "POD_IP",
          valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } },
        },
      ],
      resources: {
        limits: { cpu: "500m", memory: "128Mi" },
        requests: { cpu: "100m", memory: "64Mi" },
      },
      volumeMounts: [
        { name: "config", readOnly: true, mountPath: "/etc/nginx" },
        { name: "cache", mountPath: "/var/cache/nginx" },
      ],
      livenessProbe: {
        httpGet: { path: "/healthz", port: "http", scheme: "HTTP" },
        initialDelaySeconds: 5,
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      readinessProbe: {
        tcpSocket: { port: 80 },
        timeoutSeconds: 1,
        periodSeconds: 5,
        successThreshold: 1,
        failureThreshold: 3,
      },
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      imagePullPolicy: "IfNotPresent",
      securityContext: { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false },
    }],
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    nodeSelector: { "kubernetes.io/os": "linux" },
    serviceAccountName: "default",
    serviceAccount: "default",
    nodeName: "node-1",
    securityContext: { fsGroup: 2000 },
    schedulerName: "default-scheduler",
    tolerations: [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: "PreemptLowerPriority",
  },
  status: {
    phase: "Running",
    conditions: [
      { type: "Ready", status: "True", lastTransitionTime: "2026-11-26T15:20:20Z" },
    ],
    hostIP: "192.168.1.10",
    podIP: "10.42.0.5",
    podIPs: [{ ip: "10.42.0.5" }],
    startTime: "2026-11-26T15:20:16Z",
    containerStatuses: [{
      name: "web",
      state: { running: { startedAt: "2026-11-26T15:20:18Z" } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: "docker.io/library/nginx:1.27",
      imageID: "docker.io/library/nginx@sha256:0123",
      containerID: "containerd://abc",
      started: true,
    }],
    qosClass: "Burstable",
  },
};

/** A Deployment with a rolling-update strategy (IntOrString percentages). */
export const DEPLOYMENT = {
  kind: "Deployment",
  apiVersion: "apps/v1",
  metadata: { name: "web", namespace: "default", generation: 3, labels: { app: "web" } },
  spec: {
    replicas: 0,
    selector: {
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["frontend", "edge"] }],
    },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx:1.27", resources: {} }] },
    },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 1 } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  },
  // replicas is omitempty and not a pointer in DeploymentStatus: Go drops a zero.
  status: { observedGeneration: 3 },
};

/** A Secret holding bytes that are not UTF-8. */
export const SECRET = {
  kind: "Secret",
  apiVersion: "v1",
  metadata: { name: "tls", namespace: "default" },
  data: { "tls.key": "AP/+EIA=", empty: "" },
  type: "kubernetes.io/tls",
  immutable: true,
};

export const CONFIGMAP = {
  kind: "ConfigMap",
  apiVersion: "v1",
  metadata: { name: "cfg", namespace: "default", annotations: { note: "" } },
  data: { "app.properties": "a=1\nb=2\n", "": "empty key" },
  binaryData: { "blob.bin": "AP/+EIA=" },
};

/** A Service with numeric and named target ports. */
export const SERVICE = {
  kind: "Service",
  apiVersion: "v1",
  metadata: { name: "web", namespace: "default" },
  spec: {
    ports: [
      { name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 },
      { name: "https", protocol: "TCP", port: 443, targetPort: "https" },
    ],
    selector: { app: "web" },
    clusterIP: "10.43.0.10",
    clusterIPs: ["10.43.0.10"],
    type: "NodePort",
    sessionAffinity: "None",
    externalTrafficPolicy: "Cluster",
    ipFamilies: ["IPv4"],
    ipFamilyPolicy: "SingleStack",
    internalTrafficPolicy: "Cluster",
  },
  status: { loadBalancer: {} },
};

export const SELF_SUBJECT_ACCESS_REVIEW = {
  kind: "SelfSubjectAccessReview",
  apiVersion: "authorization.k8s.io/v1",
  metadata: {},
  spec: {
    resourceAttributes: {
      namespace: "kube-system",
      verb: "create",
      resource: "pods",
      subresource: "exec",
    },
  },
  status: { allowed: false },
};

export const DELETE_OPTIONS = {
  kind: "DeleteOptions",
  apiVersion: "v1",
  gracePeriodSeconds: 0,
  preconditions: { uid: "0b8f7c1e", resourceVersion: "12" },
  propagationPolicy: "Foreground",
  dryRun: ["All"],
};

export const TOKEN_REQUEST = {
  kind: "TokenRequest",
  apiVersion: "authentication.k8s.io/v1",
  metadata: { name: "default", namespace: "default" },
  spec: {
    audiences: ["https://kubernetes.default.svc"],
    expirationSeconds: 3600,
    boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web", uid: "0b8f7c1e" },
  },
  status: { token: "", expirationTimestamp: "2026-11-26T16:20:16Z" },
};

/** A TokenReview answer: `user.extra` is a map of `ExtraValue` wrappers (plain arrays). */
export const TOKEN_REVIEW = {
  kind: "TokenReview",
  apiVersion: "authentication.k8s.io/v1",
  metadata: {},
  spec: { token: "abc" },
  status: {
    authenticated: true,
    user: {
      username: "system:serviceaccount:default:web",
      uid: "u1",
      groups: ["system:serviceaccounts"],
      extra: { "authentication.kubernetes.io/pod-name": ["web-1"], empty: [] },
    },
    audiences: ["https://kubernetes.default.svc"],
  },
};

/** An events.k8s.io Event: MicroTime and series. */
export const EVENT = {
  kind: "Event",
  apiVersion: "events.k8s.io/v1",
  metadata: { name: "web.1", namespace: "default" },
  eventTime: "2026-11-26T15:20:16.123456Z",
  series: { count: 2, lastObservedTime: "2026-11-26T15:21:16.000001Z" },
  reportingController: "kubelet",
  reportingInstance: "node-1",
  action: "Pulling",
  reason: "Pulling",
  regarding: { kind: "Pod", namespace: "default", name: "web" },
  note: "Pulling image",
  type: "Normal",
  deprecatedFirstTimestamp: "2026-11-26T15:20:16Z",
  // A struct field: Go prints it, empty or not.
  deprecatedSource: {},
  deprecatedCount: 2,
};

/** A Lease, as leader election writes it. */
export const LEASE = {
  kind: "Lease",
  apiVersion: "coordination.k8s.io/v1",
  metadata: { name: "kube-scheduler", namespace: "kube-system" },
  spec: {
    holderIdentity: "server-1_abc",
    leaseDurationSeconds: 15,
    acquireTime: "2026-11-26T15:20:16.000000Z",
    renewTime: "2026-11-26T15:20:26.654321Z",
    leaseTransitions: 0,
  },
};

/** A ControllerRevision: `data` is a RawExtension holding JSON. */
export const CONTROLLER_REVISION = {
  kind: "ControllerRevision",
  apiVersion: "apps/v1",
  metadata: { name: "ds-1", namespace: "kube-system" },
  data: { spec: { template: { metadata: { labels: { a: "b" } } } }, n: 1.5, list: [null, true] },
  revision: 1,
};

/** A CRD: the recursive JSONSchemaProps, its `Or*` wrappers, JSON values and `x-kubernetes-*`. */
export const CRD = {
  kind: "CustomResourceDefinition",
  apiVersion: "apiextensions.k8s.io/v1",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    scope: "Namespaced",
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      schema: {
        openAPIV3Schema: {
          type: "object",
          required: ["spec"],
          properties: {
            spec: {
              type: "object",
              properties: {
                size: { type: "integer", minimum: 1, maximum: 10.5, default: 3 },
                tags: { type: "array", items: { type: "string", enum: ["a", "b"] } },
                tuple: { type: "array", items: [{ type: "string" }, { type: "integer" }] },
                labels: { type: "object", additionalProperties: { type: "string" } },
                open: { type: "object", additionalProperties: false },
                port: {
                  "x-kubernetes-int-or-string": true,
                  anyOf: [{ type: "integer" }, { type: "string" }],
                },
                raw: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                ports: {
                  type: "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name"],
                  items: { type: "object", example: { name: "http" } },
                },
              },
              dependencies: { tags: ["size"], labels: { required: ["open"] } },
              "x-kubernetes-validations": [{ rule: "self.size <= 10", message: "too big" }],
            },
          },
        },
      },
      subresources: {
        status: {},
        scale: { specReplicasPath: ".spec.size", statusReplicasPath: ".status.size" },
      },
    }],
    conversion: { strategy: "None" },
  },
  status: {
    conditions: [{
      type: "Established",
      status: "True",
      lastTransitionTime: "2026-11-26T15:20:16Z",
      reason: "InitialNamesAccepted",
      message: "the initial names have been accepted",
    }],
    acceptedNames: { plural: "widgets", kind: "Widget" },
    storedVersions: ["v1"],
  },
};

/** A PersistentVolume: the inline PersistentVolumeSource. */
export const PERSISTENT_VOLUME = {
  kind: "PersistentVolume",
  apiVersion: "v1",
  metadata: { name: "pv-1" },
  spec: {
    capacity: { storage: "10Gi" },
    hostPath: { path: "/data/pv-1", type: "DirectoryOrCreate" },
    accessModes: ["ReadWriteOnce"],
    persistentVolumeReclaimPolicy: "Delete",
    storageClassName: "local-path",
    volumeMode: "Filesystem",
  },
  status: { phase: "Available" },
};

/** A ClusterRole with an aggregation rule. */
export const CLUSTER_ROLE = {
  kind: "ClusterRole",
  apiVersion: "rbac.authorization.k8s.io/v1",
  metadata: { name: "view" },
  rules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"] }],
  aggregationRule: {
    clusterRoleSelectors: [{ matchLabels: { "rbac.example.com/aggregate-to-view": "true" } }],
  },
};

/** A CronJob: batch/v1 with a nested JobTemplate and time zone. */
export const CRON_JOB = {
  kind: "CronJob",
  apiVersion: "batch/v1",
  metadata: { name: "nightly", namespace: "default" },
  spec: {
    schedule: "0 3 * * *",
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    suspend: false,
    jobTemplate: {
      metadata: {},
      spec: {
        backoffLimit: 2,
        ttlSecondsAfterFinished: 0,
        template: {
          metadata: {},
          spec: {
            containers: [{
              name: "job",
              image: "busybox",
              command: ["sh", "-c", "date"],
              resources: {},
            }],
            restartPolicy: "OnFailure",
          },
        },
      },
    },
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
  },
  status: { lastScheduleTime: "2026-11-26T03:00:00Z" },
};

/** Every object above, by a short name. */
export const OBJECTS: Record<string, Record<string, unknown>> = {
  POD,
  DEPLOYMENT,
  SECRET,
  CONFIGMAP,
  SERVICE,
  SELF_SUBJECT_ACCESS_REVIEW,
  DELETE_OPTIONS,
  TOKEN_REQUEST,
  TOKEN_REVIEW,
  EVENT,
  LEASE,
  CONTROLLER_REVISION,
  CRD,
  PERSISTENT_VOLUME,
  CLUSTER_ROLE,
  CRON_JOB,
};
