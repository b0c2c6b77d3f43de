/**
 * `events` (core/v1): what `kubectl get events` prints, and the field selectors controllers and
 * kubectl use (`involvedObject.name=x`, `type=Warning`, ...).
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { age } from "../../table.ts";
import { column, field, wide } from "./columns.ts";
import { invalidField, obj, str } from "./util.ts";

function since(t: unknown, now: Date): string {
  return typeof t === "string" && t ? age(t, now) : "<unknown>";
}

function firstSeen(o: KubeObject, now: Date): string {
  return o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
}

function lastSeen(o: KubeObject, now: Date): string {
  const series = obj(o.series);
  if (series) return since(series.lastObservedTime, now);
  return o.lastTimestamp ? since(o.lastTimestamp, now) : firstSeen(o, now);
}

function count(o: KubeObject): number {
  const series = obj(o.series);
  if (series) return Number(series.count ?? 0);
  return typeof o.count === "number" && o.count !== 0 ? o.count : 1;
}

function target(o: KubeObject): string {
  const inv = field(o, "involvedObject");
  const kind = str(inv.kind).toLowerCase();
  return str(inv.name) ? `${kind}/${str(inv.name)}` : kind;
}

function source(o: KubeObject): string {
  const src = field(o, "source");
  const component = str(src.component) || str(o.reportingComponent);
  const instance = str(src.host) || str(o.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

function validate(o: KubeObject): FieldError[] {
  const ns = o.metadata.namespace ?? "";
  const invNs = str(field(o, "involvedObject").namespace);
  const ok = invNs ? invNs === ns : ns === "" || ns === "default";
  return ok
    ? []
    : [invalidField("involvedObject.namespace", invNs, "does not match event.namespace")];
}

const inv = (key: string) => (o: KubeObject) => str(field(o, "involvedObject")[key]);

export function eventResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "Event",
    plural: "events",
    singular: "event",
    namespaced: true,
    shortNames: ["ev"],
    strategy: { validate },
    columns: [
      column("Last Seen", lastSeen, {
        description: "The time at which the most recent occurrence of this event was recorded.",
      }),
      column("Type", (o) => str(o.type), {
        description: "Type of this event (Normal, Warning), new types could be added in the future",
      }),
      column("Reason", (o) => str(o.reason), {
        description:
          "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      }),
      column("Object", target, { description: "The object that this event is about." }),
      wide("Subobject", inv("fieldPath")),
      wide(
        "Source",
        source,
        "The component reporting this event. Should be a short machine understandable string.",
      ),
      column("Message", (o) => str(o.message).trim(), {
        description: "A human-readable description of the status of this operation.",
      }),
      wide(
        "First Seen",
        firstSeen,
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
      ),
      column("Count", count, {
        type: "integer",
        priority: 1,
        description: "The number of times this event has occurred.",
      }),
    ],
    fields: {
      "involvedObject.kind": inv("kind"),
      "involvedObject.namespace": inv("namespace"),
      "involvedObject.name": inv("name"),
      "involvedObject.uid": inv("uid"),
      "involvedObject.apiVersion": inv("apiVersion"),
      "involvedObject.resourceVersion": inv("resourceVersion"),
      "involvedObject.fieldPath": inv("fieldPath"),
      "reason": (o) => str(o.reason),
      "reportingComponent": (o) => str(o.reportingComponent),
      "source": (o) => str(field(o, "source").component),
      "type": (o) => str(o.type),
    },
  };
}
