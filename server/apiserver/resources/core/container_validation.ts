/**
 * Validation of containers in a PodSpec, with upstream's field paths and messages: names, image,
 * ports, env, volume mounts, resources, probes and policies.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Label } from "../../../../kube/labels_validation.ts";
import { validateResources } from "./resource_requirements.ts";
import {
  arr,
  checkEnum,
  checkNonNegative,
  forbiddenField,
  inclusiveRange,
  invalidField,
  notFoundField,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "./util.ts";

export interface ContainerContext {
  /** Names of the pod's volumes. */
  volumes: Set<string>;
  /** Container names seen so far (init containers first), for uniqueness. */
  names: Set<string>;
}

const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];

/** Errors for `containers` or `initContainers` at `path` (e.g. `spec.containers`). */
export function validateContainers(
  list: unknown,
  path: string,
  ctx: ContainerContext,
  init: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    return [{ type: "FieldValueTypeInvalid", field: path, value: list, detail: "must be a list" }];
  }
  arr(list).forEach((raw, i) => {
    const p = `${path}[${i}]`;
    const c = obj(raw);
    if (!c) {
      errs.push({
        type: "FieldValueTypeInvalid",
        field: p,
        value: raw,
        detail: "must be an object",
      });
      return;
    }
    errs.push(...validateContainer(c, p, ctx, init));
  });
  return errs;
}

function validateContainer(c: Obj, p: string, ctx: ContainerContext, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(`${p}.name`));
  else {
    for (const d of isDNS1123Label(name)) errs.push(invalidField(`${p}.name`, name, d));
    if (ctx.names.has(name)) {
      errs.push({ type: "FieldValueDuplicate", field: `${p}.name`, value: name });
    }
    ctx.names.add(name);
  }
  const image = str(c.image);
  if (!image) errs.push(required(`${p}.image`));
  else if (image.trim() !== image) {
    errs.push(invalidField(`${p}.image`, image, "must not have leading or trailing whitespace"));
  }
  errs.push(...checkEnum(c.imagePullPolicy, PULL_POLICIES, `${p}.imagePullPolicy`));
  errs.push(
    ...checkEnum(c.terminationMessagePolicy, MESSAGE_POLICIES, `${p}.terminationMessagePolicy`),
  );
  errs.push(...validatePorts(c.ports, `${p}.ports`));
  errs.push(...validateEnv(c.env, `${p}.env`));
  errs.push(...validateMounts(c.volumeMounts, `${p}.volumeMounts`, ctx.volumes));
  errs.push(...validateResources(obj(c.resources), `${p}.resources`));
  const sidecar = init && c.restartPolicy === "Always";
  if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
    if (!init) {
      errs.push(forbiddenField(`${p}.restartPolicy`, "may not be set for non-init containers"));
    } else errs.push(...checkEnum(c.restartPolicy, ["Always"], `${p}.restartPolicy`));
  }
  for (const key of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (c[key] === undefined || c[key] === null) continue;
    if (init && !sidecar) {
      errs.push(
        forbiddenField(
          `${p}.${key}`,
          "may not be set for init containers without restartPolicy=Always",
        ),
      );
      continue;
    }
    errs.push(...validateProbe(obj(c[key]) ?? {}, `${p}.${key}`, key !== "readinessProbe"));
  }
  return errs;
}

/** Upstream's `IsValidPortName` messages. */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(name)) {
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!/[a-z]/.test(name)) errs.push("must contain at least one letter (a-z)");
  if (name.includes("--")) errs.push("must not contain consecutive hyphens");
  if (name.startsWith("-") || name.endsWith("-")) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** Errors for a port number (1-65535) at `field`; `requiredValue` when 0 must be reported. */
export function portNumberErrors(
  value: unknown,
  field: string,
  requiredValue: boolean,
): FieldError[] {
  if (value === undefined || value === null || value === 0) {
    return requiredValue ? [required(field)] : [];
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    return [invalidField(field, value, inclusiveRange(1, 65535))];
  }
  return [];
}

function validatePorts(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(list).forEach((port, i) => {
    const p = `${path}[${i}]`;
    const name = str(port.name);
    if (name) {
      for (const d of portNameErrors(name)) errs.push(invalidField(`${p}.name`, name, d));
      if (names.has(name)) {
        errs.push({ type: "FieldValueDuplicate", field: `${p}.name`, value: name });
      }
      names.add(name);
    }
    errs.push(...portNumberErrors(port.containerPort, `${p}.containerPort`, true));
    errs.push(...portNumberErrors(port.hostPort, `${p}.hostPort`, false));
    errs.push(...checkEnum(port.protocol, PROTOCOLS, `${p}.protocol`));
  });
  return errs;
}

const ENV_SOURCES = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"];

function validateEnv(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(list).forEach((e, i) => {
    const p = `${path}[${i}]`;
    const name = str(e.name);
    if (!name) errs.push(required(`${p}.name`));
    else if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(name)) {
      errs.push(
        invalidField(
          `${p}.name`,
          name,
          "a valid environment variable name must consist only of printable ASCII characters other than '='",
        ),
      );
    }
    const from = obj(e.valueFrom);
    if (!from) return;
    const vp = `${p}.valueFrom`;
    const count = ENV_SOURCES.filter((k) => from[k] !== undefined && from[k] !== null).length;
    if (count === 0) {
      errs.push(
        invalidField(
          vp,
          "",
          "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ),
      );
    } else if (count > 1) {
      errs.push(invalidField(vp, "", "may not have more than one field specified at a time"));
    }
    if (str(e.value) !== "") {
      errs.push(invalidField(vp, "", "may not be specified when `value` is not empty"));
    }
    for (const key of ["configMapKeyRef", "secretKeyRef"]) {
      const ref = obj(from[key]);
      if (ref && !str(ref.key)) errs.push(required(`${vp}.${key}.key`));
    }
    const fieldRef = obj(from.fieldRef);
    if (fieldRef && !str(fieldRef.fieldPath)) errs.push(required(`${vp}.fieldRef.fieldPath`));
  });
  return errs;
}

function validateMounts(list: unknown, path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  objs(list).forEach((m, i) => {
    const p = `${path}[${i}]`;
    const name = str(m.name);
    if (!name) errs.push(required(`${p}.name`));
    else if (!volumes.has(name)) errs.push(notFoundField(`${p}.name`, name));
    const mountPath = str(m.mountPath);
    if (!mountPath) errs.push(required(`${p}.mountPath`));
    else if (paths.has(mountPath)) {
      errs.push(invalidField(`${p}.mountPath`, mountPath, "must be unique"));
    }
    paths.add(mountPath);
  });
  return errs;
}

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];

function validateProbe(probe: Obj, path: string, successMustBeOne: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const present = HANDLERS.filter((k) => probe[k] !== undefined && probe[k] !== null);
  if (present.length === 0) errs.push(required(path, "must specify a handler type"));
  for (const extra of present.slice(1)) {
    errs.push(forbiddenField(`${path}.${extra}`, "may not specify more than 1 handler type"));
  }
  for (
    const key of [
      "initialDelaySeconds",
      "timeoutSeconds",
      "periodSeconds",
      "successThreshold",
      "failureThreshold",
    ]
  ) {
    errs.push(...checkNonNegative(probe[key], `${path}.${key}`));
  }
  if (
    successMustBeOne && typeof probe.successThreshold === "number" && probe.successThreshold !== 1
  ) {
    errs.push(invalidField(`${path}.successThreshold`, probe.successThreshold, "must be 1"));
  }
  const httpGet = obj(probe.httpGet);
  if (httpGet) errs.push(...portNumOrNameErrors(httpGet.port, `${path}.httpGet.port`));
  const tcp = obj(probe.tcpSocket);
  if (tcp) errs.push(...portNumOrNameErrors(tcp.port, `${path}.tcpSocket.port`));
  return errs;
}

/** An IntOrString port: a number 1-65535 or a valid port name. */
export function portNumOrNameErrors(port: unknown, field: string): FieldError[] {
  if (typeof port === "string") {
    return portNameErrors(port).map((d) => invalidField(field, port, d));
  }
  if (typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535) return [];
  return [invalidField(field, port ?? 0, inclusiveRange(1, 65535))];
}
