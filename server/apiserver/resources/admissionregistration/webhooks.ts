/**
 * `admissionregistration.k8s.io/v1` Mutating- and ValidatingWebhookConfigurations: the webhooks
 * admission calls. Upstream's v1 defaults (failure policy Fail, match policy Equivalent, empty
 * selectors, a 10 s timeout, reinvocation Never, service port 443, rule scope `*`) and
 * validation (names, client config, rules, side effects, review versions, timeout).
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN } from "../apps/workload.ts";
import {
  checkEnum,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";
import { isDNS1035Label } from "../networking/names.ts";
import {
  defaultField,
  defaultRules,
  FAILURE_POLICIES,
  MATCH_POLICIES,
  validateMatchConditions,
  validateRuleWithOperations,
  validateSelector,
} from "./rules.ts";

const SIDE_EFFECTS = ["None", "NoneOnDryRun"];
const REVIEW_VERSIONS = ["v1", "v1beta1"];
const REINVOCATION_POLICIES = ["IfNeeded", "Never"];

/** Upstream's v1 webhook defaults; `mutating` adds the reinvocation policy. */
export function defaultWebhooks(o: KubeObject, mutating: boolean): void {
  for (const hook of objs(o.webhooks)) {
    defaultField(hook, "failurePolicy", "Fail");
    defaultField(hook, "matchPolicy", "Equivalent");
    defaultField(hook, "namespaceSelector", {});
    defaultField(hook, "objectSelector", {});
    defaultField(hook, "timeoutSeconds", 10);
    if (mutating) defaultField(hook, "reinvocationPolicy", "Never");
    defaultRules(hook.rules);
    const service = obj(obj(hook.clientConfig)?.service);
    if (service) defaultField(service, "port", 443);
  }
}

function validateUrl(url: string, path: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [invalidField(path, url, "host must be specified")];
  }
  const errs: FieldError[] = [];
  if (u.protocol !== "https:") {
    errs.push(invalidField(path, url, "'https' is the only allowed URL scheme"));
  }
  if (!u.hostname) errs.push(invalidField(path, url, "host must be specified"));
  if (u.username || u.password) {
    errs.push(invalidField(path, url, "user information is not permitted in the URL"));
  }
  if (u.hash || url.includes("#")) {
    errs.push(invalidField(path, url, "fragments are not permitted in the URL"));
  }
  if (u.search || url.includes("?")) {
    errs.push(invalidField(path, url, "query parameters are not permitted in the URL"));
  }
  return errs;
}

function validateService(service: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(service.name)) errs.push(required(`${path}.name`, "service name is required"));
  if (!str(service.namespace)) {
    errs.push(required(`${path}.namespace`, "service namespace is required"));
  }
  const p = service.path;
  if (typeof p === "string" && p !== "" && !p.startsWith("/")) {
    errs.push(invalidField(`${path}.path`, p, "must start with a '/'"));
  }
  const port = service.port;
  if (typeof port === "number" && (port < 1 || port > 65535)) {
    errs.push(
      invalidField(
        `${path}.port`,
        port,
        "port is not valid: must be between 1 and 65535, inclusive",
      ),
    );
  }
  return errs;
}

function validateClientConfig(cc: Obj | undefined, path: string): FieldError[] {
  const url = cc?.url, service = obj(cc?.service);
  const hasUrl = typeof url === "string";
  if (hasUrl === !!service) return [required(path, "exactly one of url or service is required")];
  return hasUrl ? validateUrl(url, `${path}.url`) : validateService(service!, `${path}.service`);
}

function validateReviewVersions(value: unknown, path: string): FieldError[] {
  const versions = Array.isArray(value) ? value : [];
  if (versions.length === 0) {
    return [required(path, `must specify one of ${REVIEW_VERSIONS.join(", ")}`)];
  }
  const errs: FieldError[] = [];
  const seen = new Set<unknown>();
  versions.forEach((v, i) => {
    if (seen.has(v)) errs.push(invalidField(`${path}[${i}]`, v, "duplicate version"));
    seen.add(v);
    for (const m of isDNS1035Label(str(v))) errs.push(invalidField(`${path}[${i}]`, v, m));
  });
  if (!versions.some((v) => REVIEW_VERSIONS.includes(str(v)))) {
    errs.push(
      invalidField(path, versions, `must include at least one of ${REVIEW_VERSIONS.join(", ")}`),
    );
  }
  return errs;
}

/** Upstream's `IsFullyQualifiedName`: a DNS subdomain with at least three segments. */
function validateWebhookName(name: string, path: string): FieldError[] {
  if (!name) return [required(path)];
  const errs = isDNS1123Subdomain(name).map((m) => invalidField(path, name, m));
  if (name.split(".").length < 3) {
    errs.push(
      invalidField(path, name, "should be a domain with at least three segments separated by dots"),
    );
  }
  return errs;
}

/** Errors for the webhooks of a configuration. */
export function validateWebhooks(o: KubeObject, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(o.webhooks).forEach((hook, i) => {
    const path = `webhooks[${i}]`;
    const name = str(hook.name);
    errs.push(...validateWebhookName(name, `${path}.name`));
    if (name && names.has(name)) {
      errs.push({ type: "FieldValueDuplicate", field: `${path}.name`, value: name });
    }
    names.add(name);
    objs(hook.rules).forEach((r, j) =>
      errs.push(...validateRuleWithOperations(r, `${path}.rules[${j}]`))
    );
    errs.push(...checkEnum(hook.failurePolicy, FAILURE_POLICIES, `${path}.failurePolicy`, false));
    errs.push(...checkEnum(hook.matchPolicy, MATCH_POLICIES, `${path}.matchPolicy`, false));
    if (hook.sideEffects === undefined || hook.sideEffects === null || hook.sideEffects === "") {
      errs.push(required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(", ")}`));
    } else if (!SIDE_EFFECTS.includes(str(hook.sideEffects))) {
      errs.push(notSupported(`${path}.sideEffects`, hook.sideEffects, SIDE_EFFECTS));
    }
    const timeout = hook.timeoutSeconds;
    if (typeof timeout === "number" && (timeout < 1 || timeout > 30)) {
      errs.push(
        invalidField(
          `${path}.timeoutSeconds`,
          timeout,
          "the timeout value must be between 1 and 30 seconds",
        ),
      );
    }
    errs.push(...validateSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
    errs.push(...validateSelector(hook.objectSelector, `${path}.objectSelector`));
    errs.push(
      ...validateReviewVersions(hook.admissionReviewVersions, `${path}.admissionReviewVersions`),
    );
    errs.push(...validateClientConfig(obj(hook.clientConfig), `${path}.clientConfig`));
    errs.push(...validateMatchConditions(hook.matchConditions, `${path}.matchConditions`));
    if (mutating) {
      errs.push(
        ...checkEnum(
          hook.reinvocationPolicy,
          REINVOCATION_POLICIES,
          `${path}.reinvocationPolicy`,
          false,
        ),
      );
    }
  });
  return errs;
}

function webhookConfigurations(kind: string, plural: string, mutating: boolean): ResourceDef {
  const prepare = (o: KubeObject) => defaultWebhooks(o, mutating);
  return {
    group: "admissionregistration.k8s.io",
    versions: ["v1"],
    kind,
    plural,
    singular: plural.slice(0, -1),
    namespaced: false,
    categories: ["api-extensions"],
    generation: true,
    strategy: {
      prepareForCreate: prepare,
      prepareForUpdate: prepare,
      validate: (o) => validateWebhooks(o, mutating),
    },
    columns: [
      {
        name: "Webhooks",
        type: "integer",
        description: "Webhooks indicates the number of webhooks registered in this configuration",
        cell: (o) => objs(o.webhooks).length,
      },
      AGE_COLUMN,
    ],
  };
}

export const mutatingWebhookConfigurations = webhookConfigurations(
  "MutatingWebhookConfiguration",
  "mutatingwebhookconfigurations",
  true,
);

export const validatingWebhookConfigurations = webhookConfigurations(
  "ValidatingWebhookConfiguration",
  "validatingwebhookconfigurations",
  false,
);
