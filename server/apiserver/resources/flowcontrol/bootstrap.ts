/**
 * API Priority and Fairness objects every cluster has: the mandatory `exempt` and `catch-all`
 * levels and schemas, and upstream's suggested ones (`system`, `node-high`, `leader-election`,
 * `workload-high`, `workload-low`, `global-default` and their schemas), as data. At start they
 * are created when missing and their spec is put back when it drifted and the object still
 * carries `apf.kubernetes.io/autoupdate-spec: "true"`, as upstream's configuration ensurer does.
 *
 * @module
 */
import { StatusError } from "../../../../kube/errors.ts";
import { deepEqual, formatTime, type KubeObject } from "../../../../kube/meta.ts";
import type { Registry } from "../../registry.ts";
import { obj, objs, str } from "../core/util.ts";
import { createIfMissing, systemWriter } from "../scheduling/bootstrap.ts";
import { defaultFlowSchema } from "./flowschema.ts";
import { defaultPriorityLevel } from "./prioritylevel.ts";

const GROUP = "flowcontrol.apiserver.k8s.io";
const API_VERSION = `${GROUP}/v1`;
export const AUTO_UPDATE_ANNOTATION = "apf.kubernetes.io/autoupdate-spec";

type Json = Record<string, unknown>;

function level(name: string, spec: Json): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: "PriorityLevelConfiguration",
    metadata: { name, annotations: { [AUTO_UPDATE_ANNOTATION]: "true" } },
    spec,
  };
}

function limited(shares: number, lendable: number, queues: number, handSize: number): Json {
  return {
    type: "Limited",
    limited: {
      nominalConcurrencyShares: shares,
      lendablePercent: lendable,
      limitResponse: {
        type: "Queue",
        queuing: { queues, handSize, queueLengthLimit: 50 },
      },
    },
  };
}

const ALL_RESOURCES = [{
  verbs: ["*"],
  apiGroups: ["*"],
  resources: ["*"],
  clusterScope: true,
  namespaces: ["*"],
}];
const ALL_NON_RESOURCES = [{ verbs: ["*"], nonResourceURLs: ["*"] }];

const groups = (...names: string[]) => names.map((name) => ({ kind: "Group", group: { name } }));
const users = (...names: string[]) => names.map((name) => ({ kind: "User", user: { name } }));
const kubeSystemServiceAccount = (name: string) => ({
  kind: "ServiceAccount",
  serviceAccount: { namespace: "kube-system", name },
});

function schema(
  name: string,
  levelName: string,
  precedence: number,
  distinguisher: "ByUser" | "ByNamespace" | null,
  rules: Json[],
): KubeObject {
  const spec: Json = {
    priorityLevelConfiguration: { name: levelName },
    matchingPrecedence: precedence,
    rules,
  };
  if (distinguisher) spec.distinguisherMethod = { type: distinguisher };
  return {
    apiVersion: API_VERSION,
    kind: "FlowSchema",
    metadata: { name, annotations: { [AUTO_UPDATE_ANNOTATION]: "true" } },
    spec,
  };
}

/** A schema matching every request of `subjects`. */
function schemaForAll(
  name: string,
  levelName: string,
  precedence: number,
  distinguisher: "ByUser" | "ByNamespace" | null,
  subjects: Json[],
): KubeObject {
  return schema(name, levelName, precedence, distinguisher, [{
    subjects,
    resourceRules: ALL_RESOURCES,
    nonResourceRules: ALL_NON_RESOURCES,
  }]);
}

const leaseRule = (namespaces: string[]) => [
  {
    verbs: ["get", "create", "update"],
    apiGroups: [""],
    resources: ["endpoints", "configmaps"],
    namespaces,
  },
  {
    verbs: ["get", "create", "update"],
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    namespaces: ["*"],
  },
];

/** The levels and schemas that must exist. */
export const MANDATORY_PRIORITY_LEVELS: readonly KubeObject[] = [
  level("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
  level("catch-all", {
    type: "Limited",
    limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } },
  }),
];

export const MANDATORY_FLOW_SCHEMAS: readonly KubeObject[] = [
  schemaForAll("exempt", "exempt", 1, null, groups("system:masters")),
  schemaForAll(
    "catch-all",
    "catch-all",
    10000,
    "ByUser",
    groups("system:unauthenticated", "system:authenticated"),
  ),
];

/** The levels and schemas upstream suggests. */
export const SUGGESTED_PRIORITY_LEVELS: readonly KubeObject[] = [
  level("system", limited(30, 33, 64, 6)),
  level("node-high", limited(40, 25, 64, 6)),
  level("leader-election", limited(10, 0, 16, 4)),
  level("workload-high", limited(40, 50, 128, 6)),
  level("workload-low", limited(100, 90, 128, 6)),
  level("global-default", limited(20, 50, 128, 6)),
];

export const SUGGESTED_FLOW_SCHEMAS: readonly KubeObject[] = [
  schemaForAll("system-nodes", "system", 500, "ByUser", groups("system:nodes")),
  schema("system-node-high", "node-high", 400, "ByUser", [{
    subjects: groups("system:nodes"),
    resourceRules: [
      {
        verbs: ["*"],
        apiGroups: [""],
        resources: ["nodes", "nodes/status"],
        clusterScope: true,
        namespaces: ["*"],
      },
      {
        verbs: ["*"],
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        namespaces: ["*"],
      },
    ],
  }]),
  schema("probes", "exempt", 2, null, [{
    subjects: groups("system:unauthenticated", "system:authenticated"),
    nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/readyz", "/livez"] }],
  }]),
  schema("system-leader-election", "leader-election", 100, "ByUser", [{
    subjects: [
      ...users("system:kube-controller-manager", "system:kube-scheduler"),
      kubeSystemServiceAccount("*"),
    ],
    resourceRules: leaseRule(["kube-system"]),
  }]),
  schema("endpoint-controller", "workload-high", 150, "ByUser", [{
    subjects: [
      ...users("system:kube-controller-manager"),
      kubeSystemServiceAccount("endpoint-controller"),
    ],
    resourceRules: [
      {
        verbs: ["get", "create", "update"],
        apiGroups: [""],
        resources: ["endpoints"],
        namespaces: ["*"],
      },
    ],
  }]),
  schema("workload-leader-election", "leader-election", 200, "ByUser", [{
    subjects: [kubeSystemServiceAccount("*")],
    resourceRules: leaseRule(["*"]),
  }]),
  schemaForAll(
    "kube-controller-manager",
    "workload-high",
    800,
    "ByNamespace",
    users("system:kube-controller-manager"),
  ),
  schemaForAll(
    "kube-scheduler",
    "workload-high",
    800,
    "ByNamespace",
    users("system:kube-scheduler"),
  ),
  schemaForAll("kube-system-service-accounts", "workload-high", 900, "ByNamespace", [
    kubeSystemServiceAccount("*"),
  ]),
  schemaForAll(
    "service-accounts",
    "workload-low",
    9000,
    "ByUser",
    groups("system:serviceaccounts"),
  ),
  schemaForAll(
    "global-default",
    "global-default",
    9900,
    "ByUser",
    groups("system:unauthenticated", "system:authenticated"),
  ),
];

/** What the bootstrap did, by `plural/name`. */
export interface FlowControlBootstrapResult {
  created: string[];
  updated: string[];
}

const opts = {
  fieldManager: "api-priority-and-fairness-config-producer-v1",
  apiVersion: API_VERSION,
};

async function ensure(
  registry: Registry,
  plural: string,
  wanted: KubeObject,
  normalize: (o: KubeObject) => void,
  result: FlowControlBootstrapResult,
): Promise<void> {
  const name = wanted.metadata.name!;
  if (await createIfMissing(registry, GROUP, plural, wanted)) {
    result.created.push(`${plural}/${name}`);
    return;
  }
  const store = registry.store(GROUP, plural);
  const current = await store.tryGet("", name);
  if (!current || current.obj.metadata.annotations?.[AUTO_UPDATE_ANNOTATION] !== "true") return;
  const spec = structuredClone(wanted);
  normalize(spec);
  if (deepEqual(current.obj.spec, spec.spec)) return;
  await store.guaranteedUpdate("", name, systemWriter(), opts, (cur) => ({
    ...structuredClone(cur.obj),
    spec: spec.spec,
  }));
  result.updated.push(`${plural}/${name}`);
}

/** Sets each schema's `Dangling` condition from whether its priority level exists. */
async function markDangling(registry: Registry): Promise<void> {
  const levels = new Set(
    (await registry.store(GROUP, "prioritylevelconfigurations").list("")).items.map((i) =>
      i.obj.metadata.name
    ),
  );
  const store = registry.store(GROUP, "flowschemas");
  for (const item of (await store.list("")).items) {
    const levelName = str(obj(obj(item.obj.spec)?.priorityLevelConfiguration)?.name);
    const dangling = levels.has(levelName) ? "False" : "True";
    const found = objs(obj(item.obj.status)?.conditions).find((c) => c.type === "Dangling");
    if (found?.status === dangling) continue;
    const message = dangling === "False"
      ? `This FlowSchema references the PriorityLevelConfiguration object named "${levelName}" and it exists`
      : `This FlowSchema references the PriorityLevelConfiguration object named "${levelName}" but there is no such object`;
    try {
      await store.guaranteedUpdate("", item.obj.metadata.name!, systemWriter(), {
        ...opts,
        subresource: "status",
      }, (cur) => ({
        ...structuredClone(cur.obj),
        status: {
          conditions: [{
            type: "Dangling",
            status: dangling,
            lastTransitionTime: formatTime(new Date()),
            reason: dangling === "False" ? "Found" : "NotFound",
            message,
          }],
        },
      }));
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
}

/** Creates or restores the mandatory and suggested objects; safe on every start. */
export async function ensureFlowControlBootstrap(
  registry: Registry,
): Promise<FlowControlBootstrapResult> {
  const result: FlowControlBootstrapResult = { created: [], updated: [] };
  for (const pl of [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]) {
    await ensure(registry, "prioritylevelconfigurations", pl, defaultPriorityLevel, result);
  }
  for (const fs of [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]) {
    await ensure(registry, "flowschemas", fs, defaultFlowSchema, result);
  }
  await markDangling(registry);
  return result;
}
