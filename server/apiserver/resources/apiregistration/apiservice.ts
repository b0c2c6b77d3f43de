/**
 * `apiregistration.k8s.io/v1` APIServices: which server answers for a group-version. A service
 * reference sends the group-version to an extension API server; without one it is served by this
 * API server itself (`Local`). Upstream's naming rule (`<version>.<group>`), priorities and
 * service validation, and the table `kubectl get apiservices` prints.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, specOf, specView, statusView } from "../apps/workload.ts";
import { inclusiveRange, invalidField, obj, objs, required, str } from "../core/util.ts";
import { isDNS1035Label } from "../networking/names.ts";

const MAX_GROUP_PRIORITY = 20000;
const MAX_VERSION_PRIORITY = 1000;

/** Upstream's v1 default: a service port of 443. */
export function defaultApiService(o: KubeObject): void {
  const service = obj(specOf(o).service);
  if (service && (service.port === undefined || service.port === null)) service.port = 443;
}

/** Errors for an APIService (kube-aggregator's `ValidateAPIService`). */
export function validateApiService(o: KubeObject): FieldError[] {
  const spec = specView(o);
  const errs: FieldError[] = [];
  const group = str(spec.group), version = str(spec.version);
  const wanted = `${version}.${group}`;
  if (o.metadata.name !== wanted) {
    errs.push(
      invalidField(
        "metadata.name",
        o.metadata.name ?? "",
        `must be \`spec.version+"."+spec.group\`: "${wanted}"`,
      ),
    );
  }
  if (!group && version !== "v1") {
    errs.push(
      required("spec.group", "only v1 may have an empty group and it better be legacy kube"),
    );
  }
  for (const m of group ? isDNS1123Subdomain(group) : []) {
    errs.push(invalidField("spec.group", group, m));
  }
  for (const m of isDNS1035Label(version)) errs.push(invalidField("spec.version", version, m));
  const gp = spec.groupPriorityMinimum;
  if (typeof gp !== "number" || gp <= 0 || gp > MAX_GROUP_PRIORITY) {
    errs.push(
      invalidField(
        "spec.groupPriorityMinimum",
        gp ?? 0,
        `must be positive and less than ${MAX_GROUP_PRIORITY}`,
      ),
    );
  }
  const vp = spec.versionPriority;
  if (typeof vp !== "number" || vp <= 0 || vp > MAX_VERSION_PRIORITY) {
    errs.push(
      invalidField(
        "spec.versionPriority",
        vp ?? 0,
        `must be positive and less than ${MAX_VERSION_PRIORITY}`,
      ),
    );
  }
  const service = obj(spec.service);
  const caBundle = str(spec.caBundle);
  if (!service) {
    if (caBundle) {
      errs.push(
        invalidField("spec.caBundle", "<bytes>", "local APIServices may not have a caBundle"),
      );
    }
    if (spec.insecureSkipTLSVerify === true) {
      errs.push(
        invalidField(
          "spec.insecureSkipTLSVerify",
          true,
          "local APIServices may not have insecureSkipTLSVerify",
        ),
      );
    }
    return errs;
  }
  if (!str(service.namespace)) errs.push(required("spec.service.namespace"));
  if (!str(service.name)) errs.push(required("spec.service.name"));
  const port = service.port;
  if (typeof port !== "number" || port < 1 || port > 65535) {
    errs.push(invalidField("spec.service.port", port ?? 0, inclusiveRange(1, 65535)));
  }
  if (spec.insecureSkipTLSVerify === true && caBundle) {
    errs.push(
      invalidField("spec.insecureSkipTLSVerify", true, "may not be true if caBundle is present"),
    );
  }
  return errs;
}

/** `True`, or `False (Reason)`, from the Available condition. */
function availability(o: KubeObject): string {
  const c = objs(statusView(o).conditions).find((x) => x.type === "Available");
  if (!c) return "Unknown";
  const status = str(c.status) || "Unknown";
  return status === "True" ? status : `${status} (${str(c.reason)})`;
}

export const apiServices: ResourceDef = {
  group: "apiregistration.k8s.io",
  versions: ["v1"],
  kind: "APIService",
  plural: "apiservices",
  singular: "apiservice",
  namespaced: false,
  categories: ["api-extensions"],
  pathSegmentName: true,
  status: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {};
      defaultApiService(o);
    },
    prepareForUpdate: defaultApiService,
    validate: validateApiService,
  },
  columns: [
    {
      name: "Service",
      type: "string",
      description: "The reference to the service that hosts this API endpoint.",
      cell: (o) => {
        const s = obj(specView(o).service);
        return s ? `${str(s.namespace)}/${str(s.name)}` : "Local";
      },
    },
    {
      name: "Available",
      type: "string",
      description: "Whether this service is available.",
      cell: availability,
    },
    AGE_COLUMN,
  ],
};
