/**
 * Validation of a PodSpec and a PodTemplateSpec with upstream's field paths and messages.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  validateAnnotations,
  validateLabels,
  validateQualifiedName,
} from "../../../../kube/labels_validation.ts";
import { validateContainers } from "./container_validation.ts";
import { validateVolumes } from "./volume_validation.ts";
import {
  checkEnum,
  forbiddenField,
  inclusiveRange,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "./util.ts";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
const TOLERATION_OPERATORS = ["Equal", "Exists"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const MAX_INT32 = 2147483647;

/** Errors for a PodSpec at `path` (usually `spec` or `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const s = obj(spec) ?? {};
  const errs: FieldError[] = [];
  const vols = validateVolumes(s.volumes, `${path}.volumes`);
  errs.push(...vols.errs);
  const ctx = { volumes: vols.names, names: new Set<string>() };
  errs.push(...validateContainers(s.initContainers, `${path}.initContainers`, ctx, true));
  if (!Array.isArray(s.containers) || s.containers.length === 0) {
    errs.push(required(`${path}.containers`));
  } else errs.push(...validateContainers(s.containers, `${path}.containers`, ctx, false));
  errs.push(...checkEnum(s.restartPolicy, RESTART_POLICIES, `${path}.restartPolicy`));
  if (!DNS_POLICIES.includes(str(s.dnsPolicy))) {
    errs.push(notSupported(`${path}.dnsPolicy`, s.dnsPolicy ?? "", DNS_POLICIES));
  }
  if (s.dnsPolicy === "None") {
    const dnsConfig = obj(s.dnsConfig);
    if (!dnsConfig) {
      errs.push(required(`${path}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None"));
    } else if (!Array.isArray(dnsConfig.nameservers) || dnsConfig.nameservers.length === 0) {
      errs.push(
        required(
          `${path}.dnsConfig.nameservers`,
          "must provide at least one DNS nameserver when `dnsPolicy` is None",
        ),
      );
    }
  }
  errs.push(
    ...validateLabels(obj(s.nodeSelector) as Record<string, string>, `${path}.nodeSelector`),
  );
  for (const key of ["serviceAccountName", "nodeName", "schedulerName", "priorityClassName"]) {
    const v = str(s[key]);
    if (v) {
      for (const d of isDNS1123Subdomain(v)) errs.push(invalidField(`${path}.${key}`, v, d));
    }
  }
  for (const key of ["hostname", "subdomain"]) {
    const v = str(s[key]);
    if (v) { for (const d of isDNS1123Label(v)) errs.push(invalidField(`${path}.${key}`, v, d)); }
  }
  const deadline = s.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null) {
    if (typeof deadline !== "number" || deadline < 1 || deadline > MAX_INT32) {
      errs.push(
        invalidField(`${path}.activeDeadlineSeconds`, deadline, inclusiveRange(1, MAX_INT32)),
      );
    }
  }
  objs(s.tolerations).forEach((t, i) =>
    errs.push(...validateToleration(t, `${path}.tolerations[${i}]`))
  );
  if (s.hostNetwork === true) errs.push(...hostNetworkPortErrors(s, path));
  return errs;
}

function validateToleration(t: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const key = str(t.key);
  if (key) errs.push(...validateQualifiedName(key, `${p}.key`));
  const op = str(t.operator) || "Equal";
  if (!key && op !== "Exists") {
    errs.push(
      invalidField(
        `${p}.operator`,
        op,
        'operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ),
    );
  }
  if (
    t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== "NoExecute"
  ) {
    errs.push(
      invalidField(
        `${p}.effect`,
        t.effect ?? "",
        "effect must be 'NoExecute' when `tolerationSeconds` is set",
      ),
    );
  }
  if (!TOLERATION_OPERATORS.includes(op)) {
    errs.push(notSupported(`${p}.operator`, op, TOLERATION_OPERATORS));
  } else if (op === "Exists" && str(t.value)) {
    errs.push(
      invalidField(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"),
    );
  }
  if (str(t.effect)) errs.push(...checkEnum(t.effect, TAINT_EFFECTS, `${p}.effect`));
  return errs;
}

function hostNetworkPortErrors(s: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const kind of ["initContainers", "containers"]) {
    objs(s[kind]).forEach((c, i) => {
      objs(c.ports).forEach((port, j) => {
        if (typeof port.hostPort === "number" && port.hostPort !== port.containerPort) {
          errs.push(
            invalidField(
              `${path}.${kind}[${i}].ports[${j}].containerPort`,
              port.containerPort,
              "must match `hostPort` when `hostNetwork` is true",
            ),
          );
        }
      });
    });
  }
  return errs;
}

/**
 * Errors for a PodTemplateSpec at `path` (e.g. `spec.template`): template labels and
 * annotations, then the PodSpec at `${path}.spec`. A missing template validates as empty.
 */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = obj(template) ?? {};
  const meta = obj(t.metadata) ?? {};
  const errs: FieldError[] = [];
  errs.push(
    ...validateLabels(obj(meta.labels) as Record<string, string>, `${path}.metadata.labels`),
  );
  errs.push(
    ...validateAnnotations(
      obj(meta.annotations) as Record<string, string>,
      `${path}.metadata.annotations`,
    ),
  );
  errs.push(...validatePodSpec(t.spec, `${path}.spec`));
  const spec = obj(t.spec);
  if (spec && Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length > 0) {
    errs.push(
      forbiddenField(
        `${path}.spec.ephemeralContainers`,
        "ephemeral containers not allowed in pod template",
      ),
    );
  }
  return errs;
}
