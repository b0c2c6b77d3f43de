/**
 * `networking.k8s.io/v1` IngressClasses: which controller implements the ingresses of a class,
 * with optional parameters. The controller is a domain-prefixed path that never changes; a
 * parameters reference defaults to cluster scope.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain, regexError } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, immutable, specView } from "../apps/workload.ts";
import {
  checkEnum,
  forbiddenField,
  invalidField,
  type Obj,
  obj,
  required,
  str,
} from "../core/util.ts";
import { validateTypedReference } from "./ingress.ts";

const MAX_CONTROLLER_LENGTH = 250;
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);
const SCOPES = ["Cluster", "Namespace"];

/** Upstream's `SetDefaults_IngressClass`: parameters are cluster-scoped unless said otherwise. */
export function defaultIngressClass(o: KubeObject): void {
  const params = obj(specView(o).parameters);
  if (params && (params.scope === undefined || params.scope === null)) params.scope = "Cluster";
}

/** Upstream's `IsDomainPrefixedPath`: `example.com/path`. */
function domainPrefixedPath(value: string, field: string): FieldError[] {
  if (value === "") return [required(field)];
  const slash = value.indexOf("/");
  const host = slash < 0 ? "" : value.slice(0, slash);
  const path = slash < 0 ? "" : value.slice(slash + 1);
  if (!host || !path) {
    return [invalidField(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => invalidField(field, host, m));
  if (!HTTP_PATH_RE.test(path)) {
    errs.push(invalidField(field, path, regexError("must be a valid path", HTTP_PATH_FMT)));
  }
  return errs;
}

function validateParameters(params: Obj): FieldError[] {
  const path = "spec.parameters";
  const errs = validateTypedReference(params, path);
  errs.push(...checkEnum(params.scope, SCOPES, `${path}.scope`));
  const ns = str(params.namespace);
  if (params.scope === "Namespace" && !ns) {
    errs.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
  }
  if (params.scope === "Cluster" && ns) {
    errs.push(forbiddenField(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

/** Errors for an ingress class (upstream's `ValidateIngressClass`). */
export function validateIngressClass(o: KubeObject): FieldError[] {
  const spec = specView(o);
  const controller = str(spec.controller);
  const errs: FieldError[] = [];
  if (controller.length > MAX_CONTROLLER_LENGTH) {
    errs.push({
      type: "FieldValueTooLong",
      field: "spec.controller",
      value: controller,
      detail: `must have at most ${MAX_CONTROLLER_LENGTH} bytes`,
    });
  }
  errs.push(...domainPrefixedPath(controller, "spec.controller"));
  const params = obj(spec.parameters);
  if (params) errs.push(...validateParameters(params));
  return errs;
}

/** `Kind.group/name` of the parameters, `<none>` without. */
function formatParameters(params: Obj | undefined): string {
  if (!params) return "<none>";
  const group = typeof params.apiGroup === "string" ? `.${params.apiGroup}` : "";
  return `${str(params.kind)}${group}/${str(params.name)}`;
}

export const ingressClasses: ResourceDef = {
  group: "networking.k8s.io",
  versions: ["v1"],
  kind: "IngressClass",
  plural: "ingressclasses",
  singular: "ingressclass",
  namespaced: false,
  strategy: {
    prepareForCreate: defaultIngressClass,
    prepareForUpdate: defaultIngressClass,
    validate: validateIngressClass,
    validateUpdate: (o, old) =>
      immutable("spec.controller", specView(o).controller, specView(old).controller),
  },
  generation: true,
  columns: [
    {
      name: "Controller",
      type: "string",
      description: "Controller that is responsible for handling this class",
      cell: (o) => str(specView(o).controller),
    },
    {
      name: "Parameters",
      type: "string",
      description: "A reference to a resource with additional parameters",
      cell: (o) => formatParameters(obj(specView(o).parameters)),
    },
    AGE_COLUMN,
  ],
};
