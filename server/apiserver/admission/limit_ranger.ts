/**
 * LimitRanger admission (upstream `plugin/pkg/admission/limitranger`): a new pod's containers
 * get the requests and limits their namespace's LimitRanges default (noted in the
 * `kubernetes.io/limit-ranger` annotation); then pods are held to the `Container` and `Pod`
 * min, max and maxLimitRequestRatio, and claims to the `PersistentVolumeClaim` min and max.
 *
 * @module
 */
import { Quantity } from "../../../kube/quantity.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import { admissionForbidden, child, isMainResource, obj, objs, str } from "./attributes.ts";
import { type ResourceList, resourceList } from "./resource_list.ts";

const ANNOTATION = "kubernetes.io/limit-ranger";

type Obj = Record<string, unknown>;

export function limitRanger(registry: Registry): AdmissionPlugin {
  async function limitRanges(attrs: AdmissionAttributes): Promise<Obj[]> {
    // A consistent read: a LimitRange created just before the pod must apply to it.
    const { items } = await registry.store("", "limitranges").list(attrs.ctx.info.namespace);
    return items.map((i) => i.obj as Obj);
  }
  const handles = (attrs: AdmissionAttributes) =>
    attrs.object !== null &&
    ((isMainResource(attrs, "", "pods") && attrs.operation === "CREATE") ||
      (isMainResource(attrs, "", "persistentvolumeclaims") && attrs.operation !== "DELETE"));

  return {
    name: "LimitRanger",
    async admit(attrs) {
      if (!handles(attrs) || attrs.served.def.plural !== "pods") return;
      for (const lr of await limitRanges(attrs)) applyDefaults(attrs.object!, lr);
    },
    async validate(attrs) {
      if (!handles(attrs)) return;
      for (const lr of await limitRanges(attrs)) {
        const errs = attrs.served.def.plural === "pods"
          ? validatePod(attrs.object!, lr)
          : validateClaim(attrs.object!, lr);
        if (errs.length === 1) throw admissionForbidden(attrs, errs[0]);
        if (errs.length > 1) throw admissionForbidden(attrs, `[${errs.join(", ")}]`);
      }
    },
  };
}

function limits(lr: Obj): Obj[] {
  return objs(obj(lr.spec)?.limits);
}

/** Sets the Container defaults of one LimitRange on every container lacking them. */
export function applyDefaults(pod: Obj, lr: Obj): void {
  const defaultLimits: Obj = {};
  const defaultRequests: Obj = {};
  for (const item of limits(lr)) {
    if (item.type !== "Container") continue;
    Object.assign(defaultRequests, obj(item.defaultRequest) ?? {});
    Object.assign(defaultLimits, obj(item.default) ?? {});
  }
  const spec = child(pod, "spec");
  const notes: string[] = [];
  const merge = (what: string, c: Obj) => {
    const resources = child(c, "resources");
    const set = (key: "limits" | "requests", defaults: Obj) => {
      const list = child(resources, key);
      const added = Object.keys(defaults).filter((k) => !(k in list)).sort();
      for (const k of added) list[k] = defaults[k];
      return added;
    };
    const lim = set("limits", defaultLimits);
    const req = set("requests", defaultRequests);
    if (req.length) notes.push(`${req.join(", ")} request for ${what} ${str(c.name)}`);
    if (lim.length) notes.push(`${lim.join(", ")} limit for ${what} ${str(c.name)}`);
  };
  for (const c of objs(spec.containers)) merge("container", c);
  for (const c of objs(spec.initContainers)) merge("init container", c);
  if (notes.length) {
    const meta = child(pod, "metadata");
    child(meta, "annotations")[ANNOTATION] = `LimitRanger plugin set: ${notes.join("; ")}`;
  }
}

type Check = (
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
) => string | null;

const minConstraint: Check = (type, name, enforced, requests, limits) => {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified.`;
  if (req.cmp(enforced) < 0) {
    return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}.`;
  }
  if (lim && lim.cmp(enforced) < 0) {
    return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}.`;
  }
  return null;
};

const maxConstraint: Check = (type, name, enforced, requests, limits) => {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified.`;
  if (lim.cmp(enforced) > 0) {
    return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}.`;
  }
  if (req && req.cmp(enforced) > 0) {
    return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}.`;
  }
  return null;
};

const ratioConstraint: Check = (type, name, enforced, requests, limits) => {
  const req = requests.get(name);
  const lim = limits.get(name);
  const prefix = `${name} max limit to request ratio per ${type} is ${enforced}`;
  if (!req || req.isZero()) return `${prefix}, but no request is specified or request is 0.`;
  if (!lim || lim.isZero()) return `${prefix}, but no limit is specified or limit is 0.`;
  const ratio = Number(lim.scaledValue(-3)) / Number(req.scaledValue(-3));
  if (ratio * 1000 > Number(enforced.scaledValue(-3))) {
    return `${prefix}, but provided ratio is ${ratio.toFixed(6)}.`;
  }
  return null;
};

function check(item: Obj, requests: ResourceList, lims: ResourceList): string[] {
  const type = str(item.type);
  const errs: string[] = [];
  const run = (key: string, fn: Check) => {
    const bounds = resourceList(item[key]);
    for (const name of [...bounds.keys()].sort()) {
      const e = fn(type, name, bounds.get(name)!, requests, lims);
      if (e) errs.push(e);
    }
  };
  run("min", minConstraint);
  run("max", maxConstraint);
  run("maxLimitRequestRatio", ratioConstraint);
  return errs;
}

function containerLists(c: Obj): [ResourceList, ResourceList] {
  const res = obj(c.resources);
  return [resourceList(res?.requests), resourceList(res?.limits)];
}

/**
 * Upstream's pod total: the sum over containers of the keys every container sets, in whole
 * units (cpu in milli units), printed as plain decimal numbers.
 */
function sum(lists: ResourceList[]): ResourceList {
  const out: ResourceList = new Map();
  const keys = new Set(lists.flatMap((l) => [...l.keys()]));
  for (const k of keys) {
    if (!lists.every((l) => l.has(k))) continue;
    const scale = k === "cpu" ? -3 : 0;
    const total = lists.reduce((acc, l) => acc + l.get(k)!.scaledValue(scale), 0n);
    out.set(k, scale ? Quantity.fromMilli(total) : Quantity.fromInt(total));
  }
  return out;
}

/** The pod's errors against one LimitRange. */
export function validatePod(pod: Obj, lr: Obj): string[] {
  const spec = obj(pod.spec) ?? {};
  const containers = objs(spec.containers);
  const inits = objs(spec.initContainers);
  const errs: string[] = [];
  for (const item of limits(lr)) {
    if (item.type === "Container") {
      for (const c of [...containers, ...inits]) errs.push(...check(item, ...containerLists(c)));
    }
    if (item.type === "Pod") {
      const lists = containers.map(containerLists);
      const requests = sum(lists.map((l) => l[0]));
      const lims = sum(lists.map((l) => l[1]));
      // An init container runs alone: the pod needs the larger of it and the sum.
      for (const c of inits) {
        const [r, l] = containerLists(c);
        for (const [k, v] of r) {
          if (!requests.has(k) || v.cmp(requests.get(k)!) > 0) requests.set(k, v);
        }
        for (const [k, v] of l) if (!lims.has(k) || v.cmp(lims.get(k)!) > 0) lims.set(k, v);
      }
      errs.push(...check(item, requests, lims));
    }
  }
  return errs;
}

/** The claim's errors against one LimitRange: its storage request within min and max. */
export function validateClaim(pvc: Obj, lr: Obj): string[] {
  const requests = resourceList(obj(obj(pvc.spec)?.resources)?.requests);
  const errs: string[] = [];
  for (const item of limits(lr)) {
    if (item.type !== "PersistentVolumeClaim") continue;
    const min = resourceList(item.min);
    for (const name of [...min.keys()].sort()) {
      const e = minConstraint(str(item.type), name, min.get(name)!, requests, new Map());
      if (e) errs.push(e);
    }
    const max = resourceList(item.max);
    for (const name of [...max.keys()].sort()) {
      const enforced = max.get(name)!;
      const req = requests.get(name);
      if (!req) {
        errs.push(
          `maximum ${name} usage per ${item.type} is ${enforced}.  No request is specified.`,
        );
      } else if (req.cmp(enforced) > 0) {
        errs.push(`maximum ${name} usage per ${item.type} is ${enforced}, but request is ${req}.`);
      }
    }
  }
  return errs;
}
