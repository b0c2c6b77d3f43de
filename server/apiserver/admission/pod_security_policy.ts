/**
 * A namespace's Pod Security policy, read from its labels
 * `pod-security.kubernetes.io/{enforce,audit,warn}[-version]` over the configured defaults,
 * as upstream's `api.PolicyToEvaluate` does: a malformed enforce level fails closed
 * (restricted), malformed audit and warn levels fail open (privileged), and warn follows an
 * explicitly stricter enforce level when it is not set itself.
 *
 * @module
 */
import type { FieldError } from "../../../kube/errors.ts";
import type { Level } from "./pod_security_checks.ts";

export const LABEL_PREFIX = "pod-security.kubernetes.io/";
const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];

/** A level at a version: `latest` or a minor version of 1.x. */
export interface LevelVersion {
  level: Level;
  version: "latest" | number;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const PRIVILEGED_LATEST: LevelVersion = { level: "privileged", version: "latest" };

export const DEFAULT_POLICY: Policy = {
  enforce: PRIVILEGED_LATEST,
  audit: PRIVILEGED_LATEST,
  warn: PRIVILEGED_LATEST,
};

/** `restricted:latest`, `baseline:v1.30`. */
export function formatLevelVersion(lv: LevelVersion): string {
  return `${lv.level}:${lv.version === "latest" ? "latest" : `v1.${lv.version}`}`;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return (a.level === "privileged" && b.level === "privileged") ||
    (a.level === b.level && a.version === b.version);
}

/** -1, 0 or 1 as `a` is less strict than, as strict as or stricter than `b`. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

function parseVersion(v: string): number | "latest" | null {
  if (v === "latest") return "latest";
  const m = /^v1\.([0-9]|[1-9][0-9]*)$/.exec(v);
  return m ? Number(m[1]) : null;
}

/** The policy to evaluate, and the field errors of malformed labels. */
export function policyFromLabels(
  labels: Record<string, string>,
  defaults: Policy = DEFAULT_POLICY,
): { policy: Policy; errors: FieldError[] } {
  const p: Policy = {
    enforce: { ...defaults.enforce },
    audit: { ...defaults.audit },
    warn: { ...defaults.warn },
  };
  const errors: FieldError[] = [];
  const invalid = (label: string, value: string, detail: string) =>
    errors.push({
      type: "FieldValueInvalid",
      field: `metadata.labels[${label}]`,
      value,
      detail,
    });
  const level = (mode: keyof Policy, onError: Level): boolean => {
    const label = LABEL_PREFIX + mode;
    const value = labels[label];
    if (value === undefined) return false;
    if ((LEVELS as readonly string[]).includes(value)) {
      p[mode].level = value as Level;
      return true;
    }
    invalid(label, value, `must be one of ${LEVELS.join(", ")}`);
    p[mode].level = onError;
    return false;
  };
  const version = (mode: keyof Policy): boolean => {
    const label = `${LABEL_PREFIX}${mode}-version`;
    const value = labels[label];
    if (value === undefined) return false;
    const v = parseVersion(value);
    if (v === null) invalid(label, value, `must be "latest" or "v1.x"`);
    p[mode].version = v ?? "latest";
    return true;
  };
  const enforceSet = level("enforce", "restricted");
  version("enforce");
  level("audit", "privileged");
  version("audit");
  const warnSet = labels[LABEL_PREFIX + "warn"] !== undefined;
  level("warn", "privileged");
  const warnVersionSet = version("warn");
  if (!warnSet && enforceSet && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!warnVersionSet) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors };
}
