/**
 * `flowcontrol.apiserver.k8s.io/v1` FlowSchemas: which requests (by subject, verb, resource or
 * path) belong to which priority level of API Priority and Fairness. Upstream's default matching
 * precedence (1000), validation, and the table `kubectl get flowschemas` prints.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, specOf, specView, statusView } from "../apps/workload.ts";
import { arr, checkEnum, invalidField, type Obj, obj, objs, required, str } from "../core/util.ts";

const DISTINGUISHER_METHODS = ["ByNamespace", "ByUser"];
const SUBJECT_KINDS = ["Group", "ServiceAccount", "User"];
const MAX_PRECEDENCE = 10000;

/** Upstream's `SetDefaults_FlowSchemaSpec`. */
export function defaultFlowSchema(o: KubeObject): void {
  const spec = specOf(o);
  if (!spec.matchingPrecedence) spec.matchingPrecedence = 1000;
}

function validateList(values: unknown[], path: string, what: string): FieldError[] {
  if (values.length === 0) return [required(path, `${what} must contain at least one value`)];
  if (values.length > 1 && values.includes("*")) {
    return [invalidField(path, values, `if '*' is present, must not specify other ${what}`)];
  }
  return [];
}

function validateSubject(s: Obj, path: string): FieldError[] {
  const errs = checkEnum(s.kind, SUBJECT_KINDS, `${path}.kind`);
  const field = s.kind === "User" ? "user" : s.kind === "Group" ? "group" : "serviceAccount";
  const body = obj(s[field]);
  if (SUBJECT_KINDS.includes(str(s.kind))) {
    if (!body) {
      errs.push(
        required(`${path}.${field}`, `${field} is required when subject kind is '${s.kind}'`),
      );
    } else {
      if (!str(body.name)) errs.push(required(`${path}.${field}.name`));
      if (field === "serviceAccount" && !str(body.namespace)) {
        errs.push(required(`${path}.${field}.namespace`));
      }
    }
  }
  return errs;
}

function validateRule(rule: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const subjects = objs(rule.subjects);
  if (subjects.length === 0) {
    errs.push(required(`${path}.subjects`, "subjects must contain at least one value"));
  }
  subjects.forEach((s, i) => errs.push(...validateSubject(s, `${path}.subjects[${i}]`)));
  const resourceRules = objs(rule.resourceRules);
  const nonResourceRules = objs(rule.nonResourceRules);
  if (resourceRules.length === 0 && nonResourceRules.length === 0) {
    errs.push(
      required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"),
    );
  }
  resourceRules.forEach((r, i) => {
    const p = `${path}.resourceRules[${i}]`;
    errs.push(...validateList(arr(r.verbs), `${p}.verbs`, "verbs"));
    errs.push(...validateList(arr(r.apiGroups), `${p}.apiGroups`, "api groups"));
    errs.push(...validateList(arr(r.resources), `${p}.resources`, "resources"));
    if (arr(r.namespaces).length === 0 && r.clusterScope !== true) {
      errs.push(
        required(
          `${p}.namespaces`,
          "resource rules that are not cluster scoped must supply at least one namespace",
        ),
      );
    }
  });
  nonResourceRules.forEach((r, i) => {
    const p = `${path}.nonResourceRules[${i}]`;
    errs.push(...validateList(arr(r.verbs), `${p}.verbs`, "verbs"));
    const urls = arr(r.nonResourceURLs);
    errs.push(...validateList(urls, `${p}.nonResourceURLs`, "non-resource urls"));
    urls.forEach((u, j) => {
      const url = str(u);
      if (url !== "*" && !url.startsWith("/")) {
        errs.push(invalidField(`${p}.nonResourceURLs[${j}]`, url, "must start with slash"));
      }
    });
  });
  return errs;
}

/** Errors for a flow schema's spec (upstream's `ValidateFlowSchemaSpec`). */
export function validateFlowSchemaSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const precedence = spec.matchingPrecedence;
  if (typeof precedence !== "number" || precedence <= 0) {
    errs.push(invalidField("spec.matchingPrecedence", precedence ?? 0, "must be a positive value"));
  } else if (precedence > MAX_PRECEDENCE) {
    errs.push(
      invalidField(
        "spec.matchingPrecedence",
        precedence,
        `must not be greater than ${MAX_PRECEDENCE}`,
      ),
    );
  }
  if (!str(obj(spec.priorityLevelConfiguration)?.name)) {
    errs.push(required("spec.priorityLevelConfiguration.name", "must reference a priority level"));
  }
  const dm = obj(spec.distinguisherMethod);
  if (dm) errs.push(...checkEnum(dm.type, DISTINGUISHER_METHODS, "spec.distinguisherMethod.type"));
  objs(spec.rules).forEach((r, i) => errs.push(...validateRule(r, `spec.rules[${i}]`)));
  return errs;
}

export const flowSchemas: ResourceDef = {
  group: "flowcontrol.apiserver.k8s.io",
  versions: ["v1"],
  kind: "FlowSchema",
  plural: "flowschemas",
  singular: "flowschema",
  namespaced: false,
  pathSegmentName: true,
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {};
      defaultFlowSchema(o);
    },
    prepareForUpdate: defaultFlowSchema,
    validate: (o) => validateFlowSchemaSpec(specView(o)),
  },
  columns: [
    {
      name: "PriorityLevel",
      type: "string",
      description:
        "`name` is the name of the priority level configuration being referenced Required.",
      cell: (o) => str(obj(specView(o).priorityLevelConfiguration)?.name),
    },
    {
      name: "MatchingPrecedence",
      type: "string",
      description:
        "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.",
      cell: (
        o,
      ) => (typeof specView(o).matchingPrecedence === "number"
        ? specView(o).matchingPrecedence
        : 0),
    },
    {
      name: "DistinguisherMethod",
      type: "string",
      description:
        "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.",
      cell: (o) => str(obj(specView(o).distinguisherMethod)?.type) || "<none>",
    },
    AGE_COLUMN,
    {
      name: "MissingPL",
      type: "string",
      description: "references a broken or non-existent PriorityLevelConfiguration",
      cell: (o) => {
        const c = objs(statusView(o).conditions).find((x) => x.type === "Dangling");
        return c ? str(c.status) : "?";
      },
    },
  ],
};
