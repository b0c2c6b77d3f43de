/**
 * `certificates.k8s.io/v1` CertificateSigningRequests: a PKCS#10 request for a certificate from a
 * named signer. On create the requesting user's name, uid, groups and extra are recorded in the
 * spec (whatever the client sent) and the status is cleared; the spec never changes afterwards.
 * Approval (conditions `Approved` or `Denied`, never both) is written through the `approval`
 * subresource (`approval.ts`), the certificate through `status`.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Label, isDNS1123Subdomain } from "../../../../kube/labels.ts";
import { deepClone, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef, WriteContext } from "../../resource.ts";
import { humanDuration } from "../../table.ts";
import { AGE_COLUMN, specOf, specView, statusView } from "../apps/workload.ts";
import {
  arr,
  forbiddenField,
  invalidField,
  notSupported,
  type Obj,
  objs,
  required,
  str,
} from "../core/util.ts";
import { checkedRequestError, checkRequest } from "./csr_request.ts";

const KEY_USAGES = [
  "any",
  "cert sign",
  "client auth",
  "code signing",
  "content commitment",
  "crl sign",
  "data encipherment",
  "decipher only",
  "digital signature",
  "email protection",
  "encipher only",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "key agreement",
  "key encipherment",
  "microsoft sgc",
  "netscape sgc",
  "ocsp signing",
  "s/mime",
  "server auth",
  "signing",
  "timestamping",
];
/** Condition types whose status may only be True. */
const TRUE_ONLY = ["Approved", "Denied", "Failed"];
const CONDITION_STATUSES = ["False", "True", "Unknown"];
const MIN_EXPIRATION_SECONDS = 600;
const MAX_SIGNER_DOMAIN = 253;
const MAX_SIGNER_NAME = 253 + 253 + 63 + 2;

/** Upstream's `ValidateCertificateSigningRequestSignerName`. */
export function validateSignerName(value: unknown, field: string): FieldError[] {
  const name = str(value);
  if (!name) return [required(field, "signerName must be provided")];
  const segments = name.split("/");
  if (segments.length !== 2) {
    return [
      invalidField(
        field,
        name,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ];
  }
  const [domain, path] = segments;
  const errs: FieldError[] = [];
  if (domain.length > MAX_SIGNER_DOMAIN) {
    errs.push({
      type: "FieldValueTooLong",
      field,
      value: domain,
      detail: `must have at most ${MAX_SIGNER_DOMAIN} bytes`,
    });
  }
  const labels = domain.split(".");
  for (const label of labels) {
    const msgs = isDNS1123Label(label);
    for (const m of msgs) {
      errs.push(invalidField(field, domain, `validating label "${label}": ${m}`));
    }
    if (msgs.length) break;
  }
  if (labels.length < 2) {
    errs.push(
      invalidField(
        field,
        domain,
        "should be a domain with at least two segments separated by dots",
      ),
    );
  }
  for (const label of path.split(".")) {
    const msgs = isDNS1123Subdomain(label);
    for (const m of msgs) errs.push(invalidField(field, path, `validating label "${label}": ${m}`));
    if (msgs.length) break;
  }
  if (name.length > MAX_SIGNER_NAME) {
    errs.push({
      type: "FieldValueTooLong",
      field,
      value: name,
      detail: `must have at most ${MAX_SIGNER_NAME} bytes`,
    });
  }
  return errs;
}

/** Errors for the conditions of a request (upstream's `validateConditions`). */
export function validateConditions(conditions: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false, denied = false;
  conditions.forEach((c, i) => {
    const path = `status.conditions[${i}]`;
    const type = str(c.type);
    if (!type) errs.push(required(`${path}.type`));
    const allowed = TRUE_ONLY.includes(type) ? ["True"] : CONDITION_STATUSES;
    if (!str(c.status)) errs.push(required(`${path}.status`));
    else if (!allowed.includes(str(c.status))) {
      errs.push(notSupported(`${path}.status`, c.status, allowed));
    }
    if (type === "Approved") approved = true;
    if (type === "Denied") denied = true;
    if ((type === "Approved" && denied) || (type === "Denied" && approved)) {
      errs.push(
        invalidField(`${path}.type`, type, "Approved and Denied conditions are mutually exclusive"),
      );
    }
    if (type && seen.has(type)) {
      errs.push({ type: "FieldValueDuplicate", field: `${path}.type`, value: type });
    }
    seen.add(type);
  });
  return errs;
}

/** Errors for a request (upstream's `validateCertificateSigningRequest`, v1 rules). */
export function validateCsr(o: KubeObject): FieldError[] {
  const spec = specView(o);
  const errs: FieldError[] = [];
  const requestError = checkedRequestError(o);
  if (requestError) errs.push(invalidField("spec.request", "<request data>", requestError));
  const usages = arr(spec.usages);
  if (usages.length === 0) errs.push(required("spec.usages", "usages must be provided"));
  const seen = new Set<unknown>();
  usages.forEach((u, i) => {
    if (typeof u !== "string" || !KEY_USAGES.includes(u)) {
      errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    }
    if (seen.has(u)) {
      errs.push({ type: "FieldValueDuplicate", field: `spec.usages[${i}]`, value: u });
    }
    seen.add(u);
  });
  if (spec.signerName === "kubernetes.io/legacy-unknown") {
    errs.push(
      invalidField(
        "spec.signerName",
        spec.signerName,
        "the legacy signerName is not allowed via this API version",
      ),
    );
  } else errs.push(...validateSignerName(spec.signerName, "spec.signerName"));
  const seconds = spec.expirationSeconds;
  if (typeof seconds === "number" && seconds < MIN_EXPIRATION_SECONDS) {
    errs.push(
      invalidField(
        "spec.expirationSeconds",
        seconds,
        "may not specify a duration less than 600 seconds (10 minutes)",
      ),
    );
  }
  errs.push(...validateConditions(objs(statusView(o).conditions)));
  return errs;
}

/** Updates may never drop an Approved, Denied or Failed condition. */
export function validateConditionRemovals(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const type of ["Approved", "Denied", "Failed"]) {
    const count = (x: KubeObject) =>
      objs(statusView(x).conditions).filter((c) => c.type === type).length;
    if (count(o) < count(old)) {
      errs.push(
        forbiddenField("status.conditions", `updates may not remove a condition of type "${type}"`),
      );
    }
  }
  return errs;
}

/**
 * Fills what a client may leave out of a condition: status True, and the update and transition
 * times (a transition keeps its time when the old object had the same type and status).
 */
export function fillConditions(o: KubeObject, old: KubeObject | null, now: string): void {
  const oldConditions = old ? objs(statusView(old).conditions) : [];
  for (const c of objs(statusView(o).conditions)) {
    if (!str(c.status)) c.status = "True";
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const same = oldConditions.find((x) =>
        x.type === c.type && x.status === c.status && x.lastTransitionTime
      );
      c.lastTransitionTime = same?.lastTransitionTime ?? now;
    }
  }
}

/** Records the requesting user in the spec, replacing whatever the client sent. */
function recordRequester(o: KubeObject, ctx: WriteContext): void {
  const spec = specOf(o);
  for (const key of ["username", "uid", "groups", "extra"]) delete spec[key];
  spec.username = ctx.user.name;
  if (ctx.user.uid) spec.uid = ctx.user.uid;
  spec.groups = [...ctx.user.groups];
  const extra = ctx.user.extra ?? {};
  if (Object.keys(extra).length) spec.extra = deepClone(extra);
}

/** `Approved,Issued`, `Denied`, `Pending`, as upstream's `extractCSRStatus`. */
export function csrCondition(o: KubeObject): string {
  const types = new Set(objs(statusView(o).conditions).map((c) => str(c.type)));
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) status += ",Failed";
  if (str(statusView(o).certificate)) status += ",Issued";
  return status;
}

export const certificateSigningRequests: ResourceDef = {
  group: "certificates.k8s.io",
  versions: ["v1"],
  kind: "CertificateSigningRequest",
  plural: "certificatesigningrequests",
  singular: "certificatesigningrequest",
  namespaced: false,
  shortNames: ["csr"],
  pathSegmentName: true,
  status: true,
  fields: { "spec.signerName": (o) => str(specView(o).signerName) },
  extraSubresources: [{
    name: "approval",
    kind: "CertificateSigningRequest",
    verbs: ["get", "patch", "update"],
  }],
  strategy: {
    async prepareForCreate(o, ctx) {
      recordRequester(o, ctx);
      o.status = {};
      await checkRequest(o);
    },
    prepareForUpdate(o, old) {
      o.spec = deepClone(old.spec);
    },
    validate: validateCsr,
    validateUpdate: validateConditionRemovals,
  },
  columns: [
    AGE_COLUMN,
    {
      name: "SignerName",
      type: "string",
      description: "signerName indicates the requested signer, and is a qualified name.",
      cell: (o) => str(specView(o).signerName) || "<none>",
    },
    {
      name: "Requestor",
      type: "string",
      description:
        'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.',
      cell: (o) => str(specView(o).username),
    },
    {
      name: "RequestedDuration",
      type: "string",
      description:
        "expirationSeconds is the requested duration of validity of the issued certificate.",
      cell: (o) => {
        const seconds = specView(o).expirationSeconds;
        return typeof seconds === "number" ? humanDuration(seconds) : "<none>";
      },
    },
    {
      name: "Condition",
      type: "string",
      description:
        'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".',
      cell: csrCondition,
    },
  ],
};
