/**
 * PodSecurity admission (upstream `pod-security-admission`): pods are held to the Pod Security
 * Standard their namespace's labels name. `enforce` refuses a pod with upstream's
 * `violates PodSecurity "restricted:latest": ...`, `warn` returns a `Warning` header and
 * `audit` records an audit annotation; workload templates (deployments, jobs, ...) are checked
 * for warn and audit only. Namespace labels are validated, and tightening a namespace's
 * enforce level warns about the existing pods that would now be refused.
 *
 * @module
 */
import { invalid } from "../../../kube/errors.ts";
import { KUBERNETES_VERSION } from "../../../kube/version.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import {
  addAuditAnnotation,
  admissionForbidden,
  labelsOf,
  type Obj,
  obj,
  objs,
  str,
  warn,
} from "./attributes.ts";
import { evaluatePod, forbiddenDetail, forbiddenReasons } from "./pod_security_checks.ts";
import {
  compareLevels,
  DEFAULT_POLICY,
  formatLevelVersion,
  LABEL_PREFIX,
  type LevelVersion,
  type Policy,
  policyFromLabels,
  sameLevelVersion,
} from "./pod_security_policy.ts";

export interface PodSecurityOptions {
  /** The policy of namespaces without labels (K3s's default: privileged everywhere). */
  defaults?: Policy;
  exemptions?: { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] };
  /** The newest minor version the checks know, `latest`'s meaning (the served version). */
  maxMinor?: number;
}

/** Template-bearing resources and where their pod template is. */
const TEMPLATES: Record<string, string[]> = {
  "/replicationcontrollers": ["spec", "template"],
  "/podtemplates": ["template"],
  "apps/replicasets": ["spec", "template"],
  "apps/deployments": ["spec", "template"],
  "apps/statefulsets": ["spec", "template"],
  "apps/daemonsets": ["spec", "template"],
  "batch/jobs": ["spec", "template"],
  "batch/cronjobs": ["spec", "jobTemplate", "spec", "template"],
};

/** Pod subresources that never change what runs. */
const IGNORED_POD_SUBRESOURCES = new Set([
  "exec",
  "attach",
  "binding",
  "eviction",
  "log",
  "portforward",
  "proxy",
  "status",
]);

const MAX_PODS_TO_CHECK = 3000;

export function podSecurity(registry: Registry, opts: PodSecurityOptions = {}): AdmissionPlugin {
  const defaults = opts.defaults ?? DEFAULT_POLICY;
  const exempt = opts.exemptions ?? {};
  const maxMinor = opts.maxMinor ?? Number(/^v1\.(\d+)/.exec(KUBERNETES_VERSION)![1]);
  const minorOf = (lv: LevelVersion) =>
    lv.version === "latest" ? maxMinor : Math.min(lv.version, maxMinor);
  const evaluate = (lv: LevelVersion, meta: Obj, spec: Obj) =>
    evaluatePod(lv.level, minorOf(lv), meta, spec);

  async function namespacePolicy(attrs: AdmissionAttributes) {
    const ns = await registry.store("", "namespaces").tryGet("", attrs.ctx.info.namespace);
    return policyFromLabels(labelsOf(ns?.obj), defaults);
  }

  function exemption(attrs: AdmissionAttributes, spec: Obj | null): string | null {
    if (exempt.namespaces?.includes(attrs.ctx.info.namespace)) return "namespace";
    if (exempt.usernames?.includes(attrs.ctx.user.name)) return "user";
    const runtimeClass = str(spec?.runtimeClassName);
    if (runtimeClass && exempt.runtimeClasses?.includes(runtimeClass)) return "runtimeClass";
    return null;
  }

  /** Evaluates one pod or template against the namespace's policy. */
  function check(
    attrs: AdmissionAttributes,
    policy: Policy,
    policyError: string,
    meta: Obj,
    spec: Obj,
    enforce: boolean,
  ): void {
    const { ctx } = attrs;
    const why = exemption(attrs, spec);
    if (why) return addAuditAnnotation(ctx, LABEL_PREFIX + "exempt", why);
    if (policyError) addAuditAnnotation(ctx, LABEL_PREFIX + "error", policyError);
    const results = new Map<string, string>();
    const detail = (lv: LevelVersion) => {
      const key = formatLevelVersion(lv);
      if (!results.has(key)) results.set(key, forbiddenDetail(evaluate(lv, meta, spec)));
      return results.get(key)!;
    };
    if (enforce) {
      addAuditAnnotation(ctx, LABEL_PREFIX + "enforce-policy", formatLevelVersion(policy.enforce));
      const refused = detail(policy.enforce);
      if (refused) {
        throw admissionForbidden(
          attrs,
          `violates PodSecurity "${formatLevelVersion(policy.enforce)}": ${refused}`,
          str(meta.name),
        );
      }
    }
    const audited = detail(policy.audit);
    if (audited) {
      addAuditAnnotation(
        ctx,
        LABEL_PREFIX + "audit-violations",
        `would violate PodSecurity "${formatLevelVersion(policy.audit)}": ${audited}`,
      );
    }
    const warned = detail(policy.warn);
    if (warned) {
      warn(ctx, `would violate PodSecurity "${formatLevelVersion(policy.warn)}": ${warned}`);
    }
  }

  async function validatePod(attrs: AdmissionAttributes): Promise<void> {
    const sub = attrs.ctx.info.subresource;
    if (IGNORED_POD_SUBRESOURCES.has(sub) || !attrs.object) return;
    const { policy, errors } = await namespacePolicy(attrs);
    const fully = [policy.enforce, policy.audit, policy.warn].every((l) =>
      l.level === "privileged"
    );
    if (!errors.length && fully) return;
    const pod = attrs.object as Obj;
    if (attrs.operation === "UPDATE" && attrs.old && !significantUpdate(pod, attrs.old as Obj)) {
      return;
    }
    const policyError = errors.length ? `Failed to parse policy: ${errorText(errors)}` : "";
    check(attrs, policy, policyError, obj(pod.metadata) ?? {}, obj(pod.spec) ?? {}, true);
  }

  async function validateTemplate(attrs: AdmissionAttributes, path: string[]): Promise<void> {
    if (attrs.ctx.info.subresource || !attrs.object) return;
    const { policy, errors } = await namespacePolicy(attrs);
    if (
      !errors.length && policy.warn.level === "privileged" && policy.audit.level === "privileged"
    ) {
      return;
    }
    let template: Obj | undefined = attrs.object as Obj;
    for (const key of path) template = obj(template?.[key]);
    if (!template) return;
    const policyError = errors.length ? `Failed to parse policy: ${errorText(errors)}` : "";
    check(
      attrs,
      policy,
      policyError,
      obj(template.metadata) ?? {},
      obj(template.spec) ?? {},
      false,
    );
  }

  async function validateNamespace(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.ctx.info.subresource || !attrs.object) return;
    const name = attrs.object.metadata.name ?? "";
    const next = policyFromLabels(labelsOf(attrs.object), defaults);
    if (attrs.operation === "CREATE") {
      if (next.errors.length) throw invalid("Namespace", "", name, next.errors);
      return;
    }
    if (attrs.operation !== "UPDATE" || !attrs.old) return;
    const prev = policyFromLabels(labelsOf(attrs.old), defaults);
    if (next.errors.length && errorText(next.errors) !== errorText(prev.errors)) {
      throw invalid("Namespace", "", name, next.errors);
    }
    const [now, before] = [next.policy.enforce, prev.policy.enforce];
    if (sameLevelVersion(now, before) || now.level === "privileged") return;
    if (now.version === before.version && compareLevels(now.level, before.level) < 1) return;
    if (exempt.namespaces?.includes(name)) return;
    for (const w of await existingPodWarnings(name, now)) warn(attrs.ctx, w);
  }

  /** Upstream's warnings about existing pods a tightened enforce level would refuse. */
  async function existingPodWarnings(ns: string, enforce: LevelVersion): Promise<string[]> {
    const { items } = await registry.store("", "pods").list(ns, { resourceVersion: "0" });
    // One pod per controller first, so that many replicas do not hide other problems.
    const seen = new Set<string>();
    const first: Obj[] = [];
    const rest: Obj[] = [];
    for (const item of items) {
      const pod = item.obj as Obj;
      const spec = obj(pod.spec) ?? {};
      const rc = str(spec.runtimeClassName);
      if (rc && exempt.runtimeClasses?.includes(rc)) continue;
      const owner = objs(obj(pod.metadata)?.ownerReferences).find((r) => r.controller === true);
      if (owner && seen.has(str(owner.uid))) rest.push(pod);
      else {
        if (owner) seen.add(str(owner.uid));
        first.push(pod);
      }
    }
    const all = [...first, ...rest];
    const checked = all.slice(0, MAX_PODS_TO_CHECK);
    const byReason = new Map<string, { pod: string; count: number }>();
    for (const pod of checked) {
      const reason = forbiddenReasons(
        evaluate(enforce, obj(pod.metadata) ?? {}, obj(pod.spec) ?? {}),
      );
      if (!reason) continue;
      const podName = str(obj(pod.metadata)?.name);
      const entry = byReason.get(reason);
      if (!entry) byReason.set(reason, { pod: podName, count: 1 });
      else {
        entry.count++;
        if (podName < entry.pod) entry.pod = podName;
      }
    }
    const warnings: string[] = [];
    if (checked.length < all.length) {
      warnings.push(
        `new PodSecurity enforce level only checked against the first ${checked.length} of ${all.length} existing pods`,
      );
    }
    if (byReason.size) {
      warnings.push(
        `existing pods in namespace "${ns}" violate the new PodSecurity enforce level "${
          formatLevelVersion(enforce)
        }"`,
      );
    }
    const podWarnings = [...byReason].map(([reason, { pod, count }]) => {
      if (count === 1) return `${pod}: ${reason}`;
      if (count === 2) return `${pod} (and 1 other pod): ${reason}`;
      return `${pod} (and ${count - 1} other pods): ${reason}`;
    });
    return [...warnings, ...podWarnings.sort()];
  }

  return {
    name: "PodSecurity",
    async validate(attrs) {
      if (attrs.operation !== "CREATE" && attrs.operation !== "UPDATE") return;
      const { def } = attrs.served;
      const key = `${def.group}/${def.plural}`;
      if (key === "/namespaces") return await validateNamespace(attrs);
      if (key === "/pods") return await validatePod(attrs);
      const path = TEMPLATES[key];
      if (path) await validateTemplate(attrs, path);
    },
  };
}

function errorText(errors: { field: string; value?: unknown; detail?: string }[]): string {
  return errors.map((e) => `${e.field}: Invalid value: ${JSON.stringify(e.value)}: ${e.detail}`)
    .join(", ");
}

/** Only an image change, or containers added or removed, can change a pod's standing. */
function significantUpdate(pod: Obj, old: Obj): boolean {
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  for (const key of ["containers", "initContainers"]) {
    const now = objs(spec[key]);
    const before = objs(oldSpec[key]);
    if (now.length !== before.length) return true;
    if (now.some((c, i) => c.image !== before[i].image)) return true;
  }
  const oldEphemeral = objs(oldSpec.ephemeralContainers);
  for (const c of objs(spec.ephemeralContainers)) {
    const prev = oldEphemeral.find((o) => o.name === c.name);
    if (!prev || prev.image !== c.image) return true;
  }
  return false;
}
