/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): every binding of a policy whose
 * `matchConstraints` (and the binding's `matchResources`) cover the request evaluates the
 * policy's CEL validations, once per param its `paramRef` names (by name or selector), and acts
 * as its `validationActions` say: Deny refuses the request as upstream words it
 * (`... is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: msg`, the
 * validation's reason, Invalid/422 by default), Warn adds a warning, Audit an audit annotation.
 * Policies and bindings are read from the watch cache, as upstream reads them from informers.
 *
 * @module
 */
import { type LabelSelector, labelSelectorAsSelector } from "../../../kube/labels.ts";
import { StatusError } from "../../../kube/errors.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry, Served } from "../registry.ts";
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
import { type Decision, evaluatePolicy } from "./policy_eval.ts";
import { ADMISSION_GROUP } from "./webhook.ts";
import { admissionReview } from "./webhook_call.ts";
import { namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from "./webhook_match.ts";

const REASON_CODES: Record<string, number> = {
  Unauthorized: 401,
  Forbidden: 403,
  Invalid: 422,
  RequestEntityTooLarge: 413,
};

interface Denial {
  policy: string;
  binding: string;
  decision: Decision;
}

export function validatingAdmissionPolicy(registry: Registry): AdmissionPlugin {
  return {
    name: "ValidatingAdmissionPolicy",
    async validate(attrs) {
      if (attrs.served.def.group === ADMISSION_GROUP) return;
      const bindings = await listAll(registry, "validatingadmissionpolicybindings");
      if (!bindings.length) return;
      const policies = new Map(
        (await listAll(registry, "validatingadmissionpolicies")).map((p) => [nameOf(p), p]),
      );
      // Built once, and only for a request some binding matches.
      let request: Obj | undefined;
      let namespace: Obj | null | undefined;
      const namespaceObject = async () => {
        const ns = attrs.served.def.namespaced ? attrs.ctx.info.namespace : "";
        if (namespace === undefined) {
          namespace = ns
            ? ((await registry.store("", "namespaces").getCached("", ns))?.obj as Obj) ?? null
            : null;
        }
        return namespace;
      };
      const denials: Denial[] = [];
      for (const binding of bindings) {
        const bspec = obj(binding.spec) ?? {};
        const policy = policies.get(str(bspec.policyName));
        if (!policy) continue;
        const pspec = obj(policy.spec) ?? {};
        const constraints = obj(pspec.matchConstraints);
        if (!constraints) continue;
        const nsObj = await namespaceObject();
        if (!matches(constraints, attrs, nsObj, true)) continue;
        const resources = obj(bspec.matchResources);
        if (resources && !matches(resources, attrs, nsObj, false)) continue;
        const failClosed = str(pspec.failurePolicy) !== "Ignore";
        const actions = Array.isArray(bspec.validationActions)
          ? bspec.validationActions.map(str)
          : [];
        const fail = (message: string) => {
          if (failClosed) {
            denials.push({
              policy: nameOf(policy),
              binding: nameOf(binding),
              decision: { action: "deny", message, reason: "", index: -1 },
            });
          }
        };
        let params: (Obj | null)[];
        try {
          params = await paramsFor(registry, pspec, bspec, attrs);
        } catch (err) {
          fail(`failed to configure binding: ${(err as Error).message}`);
          continue;
        }
        if (!params.length) {
          if (str(obj(bspec.paramRef)?.parameterNotFoundAction) !== "Allow") {
            fail(
              "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
            );
          }
          continue;
        }
        for (const params1 of params) {
          const result = evaluatePolicy(
            policy,
            {
              request: request ??= obj(admissionReview(attrs, attrs.ctx.info.version, "").request)!,
              params: params1,
              namespaceObject: nsObj,
            },
            failClosed,
          );
          if (!result.matched) continue;
          for (const [k, v] of Object.entries(result.annotations)) {
            addAuditAnnotation(attrs.ctx, `${nameOf(policy)}/${k}`, v);
          }
          act(attrs, actions, nameOf(policy), nameOf(binding), result.decisions, denials);
        }
      }
      if (denials.length) throw denial(attrs, denials[0]);
    },
  };
}

/** Applies a binding's validationActions to the failed validations of one evaluation. */
function act(
  attrs: AdmissionAttributes,
  actions: string[],
  policy: string,
  binding: string,
  decisions: Decision[],
  denials: Denial[],
): void {
  const audit: Obj[] = [];
  for (const decision of decisions) {
    if (actions.includes("Deny")) denials.push({ policy, binding, decision });
    if (actions.includes("Warn")) {
      warn(
        attrs.ctx,
        `Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${decision.message}`,
      );
    }
    if (actions.includes("Audit")) {
      audit.push({
        message: decision.message,
        policy,
        binding,
        expressionIndex: decision.index,
        validationActions: actions,
      });
    }
  }
  if (audit.length) {
    addAuditAnnotation(
      attrs.ctx,
      "validation.policy.admission.k8s.io/validation_failure",
      JSON.stringify(audit),
    );
  }
}

function denial(attrs: AdmissionAttributes, d: Denial): StatusError {
  const message =
    `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.decision.message}`;
  const base = admissionForbidden(attrs, message);
  const reason = d.decision.reason || "Invalid";
  return new StatusError(REASON_CODES[reason] ?? 422, reason, base.message, {
    ...base.details,
    causes: [{ message }],
  });
}

async function listAll(registry: Registry, plural: string): Promise<Obj[]> {
  const served = findServed(registry, ADMISSION_GROUP, plural);
  if (!served) return [];
  const { items } = await served.store.list("", { resourceVersion: "0" });
  return items.map((i) => i.obj as Obj).sort((a, b) =>
    nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0
  );
}

function findServed(registry: Registry, group: string, plural: string): Served | undefined {
  return registry.all().find((s) => s.def.group === group && s.def.plural === plural);
}

function nameOf(o: Obj): string {
  return str(obj(o.metadata)?.name);
}

/**
 * Whether `match` (a policy's matchConstraints or a binding's matchResources) covers the
 * request: namespaceSelector, objectSelector, resourceRules (required of a policy; absent on a
 * binding means all the policy matches), excludeResourceRules; matchPolicy Equivalent lets a
 * rule naming another served version of the resource match.
 */
function matches(
  match: Obj,
  attrs: AdmissionAttributes,
  namespace: Obj | null,
  rulesRequired: boolean,
): boolean {
  const selectors = {
    namespaceSelector: (obj(match.namespaceSelector) ?? {}) as LabelSelector,
    objectSelector: (obj(match.objectSelector) ?? {}) as LabelSelector,
  };
  if (!objectSelectorMatches(selectors, attrs)) return false;
  if (!namespaceSelectorMatches(selectors, attrs, namespace ? labelsOf(namespace) : null)) {
    return false;
  }
  const rules = objs(match.resourceRules);
  const equivalent = str(match.matchPolicy) !== "Exact";
  if ((rules.length || rulesRequired) && !rules.some((r) => named(r, attrs, equivalent))) {
    return false;
  }
  return !objs(match.excludeResourceRules).some((r) => named(r, attrs, equivalent));
}

/** A NamedRuleWithOperations: a rule plus, when given, the names it is limited to. */
function named(rule: Obj, attrs: AdmissionAttributes, equivalent: boolean): boolean {
  const names = Array.isArray(rule.resourceNames) ? rule.resourceNames.map(str) : [];
  if (names.length) {
    const name = (attrs.object ?? attrs.old)?.metadata.name || attrs.ctx.info.name;
    if (!names.includes(name)) return false;
  }
  if (ruleMatches(rule, attrs)) return true;
  return equivalent &&
    attrs.served.def.versions.some((v) =>
      v !== attrs.ctx.info.version && ruleMatches(rule, attrs, v)
    );
}

/**
 * The params a binding evaluates its policy with: `[null]` without a paramKind; else the object
 * `paramRef.name` names, or every object `paramRef.selector` selects, in the paramRef's
 * namespace (the request's, when unset and the param kind is namespaced).
 */
async function paramsFor(
  registry: Registry,
  pspec: Obj,
  bspec: Obj,
  attrs: AdmissionAttributes,
): Promise<(Obj | null)[]> {
  const kind = obj(pspec.paramKind);
  if (!kind) return [null];
  const ref = obj(bspec.paramRef);
  if (!ref) throw new Error("paramRef is required when paramKind is set");
  const apiVersion = str(kind.apiVersion);
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
  const served = registry.all().find((s) =>
    s.def.group === group && s.def.kind === str(kind.kind) && s.def.versions.includes(version)
  );
  if (!served) {
    throw new Error(
      `failed to find resource referenced by paramKind: '${apiVersion}, Kind=${str(kind.kind)}'`,
    );
  }
  let namespace = "";
  if (served.def.namespaced) {
    namespace = str(ref.namespace) ||
      (attrs.served.def.namespaced ? attrs.ctx.info.namespace : "");
    if (!namespace) {
      throw new Error(
        "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources",
      );
    }
  }
  if (str(ref.name)) {
    const found = await served.store.tryGet(namespace, str(ref.name));
    return found ? [found.obj as Obj] : [];
  }
  const selector = labelSelectorAsSelector((obj(ref.selector) ?? {}) as LabelSelector);
  const { items } = await served.store.list(namespace, { resourceVersion: "0" });
  return items.map((i) => i.obj as Obj).filter((o) => selector.matches(labelsOf(o)));
}
