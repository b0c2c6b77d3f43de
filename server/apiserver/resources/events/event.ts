/**
 * `events.k8s.io/v1` Events: the structured event shape (`regarding`, `note`, `eventTime`,
 * `series`, `reportingController`/`reportingInstance`, the `deprecated*` fields of core events)
 * with upstream's strict validation for this API, its immutable fields, field selectors, and the
 * same table as core events.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { byteLength, isDNS1123Subdomain, validateQualifiedName } from "../../../../kube/labels.ts";
import { type KubeObject, parseTime } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { age } from "../../table.ts";
import { invalidField, type Obj, obj, required, str } from "../core/util.ts";
import { isCreating, markCreating } from "../apps/create_marker.ts";
import { immutable } from "../apps/workload.ts";

const NOTE_LIMIT = 1024;
const FIELD_LIMIT = 128;

const isSet = (v: unknown) => v !== undefined && v !== null && v !== "";

function regarding(o: KubeObject): Obj {
  return obj(o.regarding) ?? {};
}

/** Checks every event passes, whatever API wrote it (upstream's `legacyValidateEvent`). */
function validateLegacy(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = o.metadata.namespace ?? "";
  const regardingNs = str(regarding(o).namespace);
  if (!isSet(o.eventTime)) {
    const ok = regardingNs ? regardingNs === ns : ns === "" || ns === "default";
    if (!ok) {
      errs.push(
        invalidField("involvedObject.namespace", regardingNs, "does not match event.namespace"),
      );
    }
  } else {
    if (!regardingNs && ns !== "default" && ns !== "kube-system") {
      errs.push(
        invalidField("involvedObject.namespace", regardingNs, "does not match event.namespace"),
      );
    }
    const controller = str(o.reportingController);
    if (!controller) errs.push(required("reportingController"));
    errs.push(...validateQualifiedName(controller, "reportingController"));
    for (const key of ["reportingInstance", "action", "reason"]) {
      const value = str(o[key]);
      if (!value) errs.push(required(key));
      if (byteLength(value) > FIELD_LIMIT) {
        errs.push(invalidField(key, "", `can have at most ${FIELD_LIMIT} characters`));
      }
    }
    if (byteLength(str(o.note)) > NOTE_LIMIT) {
      errs.push(invalidField("message", "", `can have at most ${NOTE_LIMIT} characters`));
    }
  }
  for (const msg of isDNS1123Subdomain(ns)) errs.push(invalidField("namespace", ns, msg));
  return errs;
}

function validateSeries(o: KubeObject): FieldError[] {
  const series = obj(o.series);
  if (!series) return [];
  const errs: FieldError[] = [];
  if (typeof series.count !== "number" || series.count < 2) {
    errs.push(invalidField("series.count", "", "should be at least 2"));
  }
  if (!isSet(series.lastObservedTime)) errs.push(required("series.lastObservedTime"));
  return errs;
}

/** Errors for an event created through `events.k8s.io/v1` (upstream's `ValidateEventCreate`). */
export function validateEventCreate(o: KubeObject): FieldError[] {
  const errs = validateLegacy(o);
  errs.push(...validateSeries(o));
  if (!isSet(o.eventTime)) errs.push(required("eventTime"));
  if (o.type !== "Normal" && o.type !== "Warning") {
    errs.push(invalidField("type", "", `has invalid value: ${str(o.type)}`));
  }
  const unset: [string, boolean][] = [
    ["deprecatedFirstTimestamp", isSet(o.deprecatedFirstTimestamp)],
    ["deprecatedLastTimestamp", isSet(o.deprecatedLastTimestamp)],
    ["deprecatedCount", typeof o.deprecatedCount === "number" && o.deprecatedCount !== 0],
    [
      "deprecatedSource",
      isSet(obj(o.deprecatedSource)?.component) || isSet(obj(o.deprecatedSource)?.host),
    ],
  ];
  for (const [field, set] of unset) {
    if (set) errs.push(invalidField(field, "", "needs to be unset"));
  }
  return errs;
}

/** Errors for an update through `events.k8s.io/v1` (upstream's `ValidateEventUpdate`). */
export function validateEventUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateLegacy(o);
  if (JSON.stringify(o.series ?? null) !== JSON.stringify(old.series ?? null)) {
    errs.push(...validateSeries(o));
  }
  // Upstream names the fields as its internal (core) event type does.
  const pairs: [string, string][] = [
    ["involvedObject", "regarding"],
    ["reason", "reason"],
    ["message", "note"],
    ["source", "deprecatedSource"],
    ["firstTimestamp", "deprecatedFirstTimestamp"],
    ["lastTimestamp", "deprecatedLastTimestamp"],
    ["count", "deprecatedCount"],
    ["reason", "reason"],
    ["type", "type"],
  ];
  for (const [field, key] of pairs) errs.push(...immutable(field, o[key], old[key]));
  if (microseconds(o.eventTime) !== microseconds(old.eventTime)) {
    errs.push(...immutable("eventTime", o.eventTime, old.eventTime));
  }
  for (const key of ["action", "related", "reportingController", "reportingInstance"]) {
    errs.push(...immutable(key, o[key], old[key]));
  }
  return errs;
}

/** A MicroTime as whole microseconds since the epoch, so sub-microsecond noise compares equal. */
function microseconds(v: unknown): string {
  if (typeof v !== "string") return "";
  const t = parseTime(v);
  if (!t) return v;
  const fraction = /\.(\d+)/.exec(v)?.[1] ?? "";
  return `${Math.floor(t.getTime() / 1000)}.${fraction.padEnd(6, "0").slice(0, 6)}`;
}

function since(t: unknown, now: Date): string {
  return typeof t === "string" && t ? age(t, now) : "<unknown>";
}

function firstSeen(o: KubeObject, now: Date): string {
  return isSet(o.deprecatedFirstTimestamp)
    ? since(o.deprecatedFirstTimestamp, now)
    : since(o.eventTime, now);
}

function lastSeen(o: KubeObject, now: Date): string {
  const series = obj(o.series);
  if (series) return since(series.lastObservedTime, now);
  return isSet(o.deprecatedLastTimestamp)
    ? since(o.deprecatedLastTimestamp, now)
    : firstSeen(o, now);
}

function count(o: KubeObject): number {
  const series = obj(o.series);
  if (series) return typeof series.count === "number" ? series.count : 0;
  return typeof o.deprecatedCount === "number" && o.deprecatedCount !== 0 ? o.deprecatedCount : 1;
}

function target(o: KubeObject): string {
  const kind = str(regarding(o).kind).toLowerCase();
  const name = str(regarding(o).name);
  return name ? `${kind}/${name}` : kind;
}

function source(o: KubeObject): string {
  const src = obj(o.deprecatedSource) ?? {};
  const component = str(src.component) || str(o.reportingController);
  const instance = str(src.host) || str(o.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

const ref = (key: string) => (o: KubeObject) => str(regarding(o)[key]);

export const events: ResourceDef = {
  group: "events.k8s.io",
  versions: ["v1"],
  kind: "Event",
  plural: "events",
  singular: "event",
  namespaced: true,
  shortNames: ["ev"],
  strategy: {
    prepareForCreate: markCreating,
    // On update, validateUpdate runs the checks upstream applies to updates.
    validate: (o) => (isCreating(o) ? validateEventCreate(o) : []),
    validateUpdate: validateEventUpdate,
  },
  // Upstream's event table has no Age column and shows the name last, with -o wide only.
  columns: [
    {
      name: "Last Seen",
      type: "string",
      description: "Deprecated field assuring backward compatibility with core.v1 Event type",
      cell: lastSeen,
    },
    {
      name: "Type",
      type: "string",
      description:
        "type is the type of this event (Normal, Warning), new types could be added in the future. It is machine-readable. This field cannot be empty for new Events.",
      cell: (o) => str(o.type),
    },
    {
      name: "Reason",
      type: "string",
      description:
        "reason is why the action was taken. It is human-readable. This field cannot be empty for new Events and it can have at most 128 characters.",
      cell: (o) => str(o.reason),
    },
    {
      name: "Object",
      type: "string",
      description: "regarding contains the object this Event is about.",
      cell: target,
    },
    {
      name: "Subobject",
      type: "string",
      priority: 1,
      description:
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.",
      cell: ref("fieldPath"),
    },
    {
      name: "Source",
      type: "string",
      priority: 1,
      description: "The component reporting this event.",
      cell: source,
    },
    {
      name: "Message",
      type: "string",
      description: "note is a human-readable description of the status of this operation.",
      cell: (o) => str(o.note).trim(),
    },
    {
      name: "First Seen",
      type: "string",
      priority: 1,
      description: "The time at which the event was first recorded.",
      cell: firstSeen,
    },
    {
      name: "Count",
      type: "string",
      priority: 1,
      description: "The number of times this event has occurred.",
      cell: count,
    },
    {
      name: "Name",
      type: "string",
      format: "name",
      priority: 1,
      description: "Name must be unique within a namespace.",
      cell: (o) => o.metadata.name,
    },
  ],
  fields: {
    "regarding.kind": ref("kind"),
    "regarding.namespace": ref("namespace"),
    "regarding.name": ref("name"),
    "regarding.uid": ref("uid"),
    "regarding.apiVersion": ref("apiVersion"),
    "regarding.resourceVersion": ref("resourceVersion"),
    "regarding.fieldPath": ref("fieldPath"),
    reason: (o) => str(o.reason),
    reportingController: (o) => str(o.reportingController),
    type: (o) => str(o.type),
  },
};
