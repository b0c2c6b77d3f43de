/**
 * The audit record of one request: an `audit.k8s.io/v1` `Event` per stage (RequestReceived,
 * ResponseStarted for long-running requests, ResponseComplete, or Panic), at the level the policy
 * gives the authenticated user's request. The request's `Audit-Id` (the client's, or a new UUID)
 * is answered in the response header whether or not the request is audited.
 *
 * Secret values never reach the log: secrets are never logged with bodies whatever the level, and
 * the token fields of TokenRequest and TokenReview are removed before a body is logged.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { StatusError } from "../../../kube/errors.ts";
import type { ConnInfo, Decision } from "../app.ts";
import type { RequestContext } from "../context.ts";
import { isLongRunning } from "../long_running.ts";
import { decodeObject, joinChunks, MAX_BODY_BYTES } from "../negotiate.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import { atLeast, type AuditDecision, type AuditPolicy, LEVEL_NONE, type Stage } from "./policy.ts";

/** Where events go (the log backend); it encodes an event at once, so it may be reused. */
export interface AuditSink {
  write(event: AuditEvent): void;
}

/** The policy and the sink of an audited API server. */
export interface Auditor {
  policy: AuditPolicy;
  sink: AuditSink;
}

type Json = Record<string, unknown>;

interface EventUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The wire form of `audit.k8s.io/v1` `Event`, fields in upstream's order. */
export interface AuditEvent {
  kind: "Event";
  apiVersion: "audit.k8s.io/v1";
  level: string;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: EventUser;
  impersonatedUser?: EventUser;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: Json;
  responseStatus?: Json;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

const FIELD_ORDER: readonly (keyof AuditEvent)[] = [
  "kind",
  "apiVersion",
  "level",
  "auditID",
  "stage",
  "requestURI",
  "verb",
  "user",
  "impersonatedUser",
  "sourceIPs",
  "userAgent",
  "objectRef",
  "responseStatus",
  "requestObject",
  "responseObject",
  "requestReceivedTimestamp",
  "stageTimestamp",
  "annotations",
];

/** Now as RFC 3339 with microseconds, as upstream's `metav1.MicroTime`. */
export function microTime(ms = performance.timeOrigin + performance.now()): string {
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  return new Date(whole).toISOString().replace(/Z$/, `${String(micros).padStart(3, "0")}Z`);
}

function eventUser(u: UserInfo): EventUser {
  const out: EventUser = { username: u.name };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

/** `X-Forwarded-For`, then `X-Real-Ip`, then the peer, without repeats (upstream's SourceIPs). */
function sourceIPs(req: Request, conn: ConnInfo): string[] {
  const ips: string[] = [];
  const add = (ip: string) => {
    const clean = ip.trim().replace(/^::ffff:(?=\d+\.)/, "");
    if (clean && !ips.includes(clean)) ips.push(clean);
  };
  for (const ip of (req.headers.get("x-forwarded-for") ?? "").split(",")) add(ip);
  add(req.headers.get("x-real-ip") ?? "");
  add(conn.remoteAddr);
  return ips;
}

function objectRef(info: RequestInfo): Json | undefined {
  if (!info.isResourceRequest) return undefined;
  const ref: Json = { resource: info.resource };
  if (info.namespace) ref.namespace = info.namespace;
  if (info.name) ref.name = info.name;
  if (info.group) ref.apiGroup = info.group;
  ref.apiVersion = info.version;
  if (info.subresource) ref.subresource = info.subresource;
  return ref;
}

/** Whether request and response bodies may be logged at all for this resource. */
function bodiesAllowed(info: RequestInfo): boolean {
  return !(info.group === "" && info.resource === "secrets");
}

/** Removes what must never be logged from a body about to be logged. */
function redact(info: RequestInfo, body: unknown, omitManagedFields: boolean): unknown {
  if (!body || typeof body !== "object") return body;
  const o = body as Json;
  if (info.group === "authentication.k8s.io" && info.resource === "tokenreviews") {
    if (o.spec && typeof o.spec === "object") delete (o.spec as Json).token;
  }
  if (info.group === "" && info.resource === "serviceaccounts" && info.subresource === "token") {
    if (o.status && typeof o.status === "object") delete (o.status as Json).token;
  }
  if (omitManagedFields) {
    const strip = (x: unknown) => {
      const meta = (x as Json | null)?.metadata as Json | undefined;
      if (meta && typeof meta === "object") delete meta.managedFields;
    };
    strip(o);
    if (Array.isArray(o.items)) o.items.forEach(strip);
  }
  return o;
}

function parseBody(bytes: Uint8Array | string | null, yaml = false): unknown {
  if (bytes === null) return undefined;
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads a tee'd copy of a request body, keeping at most the API's body limit. */
async function capture(stream: ReadableStream<Uint8Array>): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  return joinChunks(chunks, size);
}

const WRITE_VERBS = new Set(["create", "update", "patch"]);

/** One request's audit record; inactive (only the `Audit-Id`) without an auditor or at None. */
export class AuditTrail {
  readonly id: string;
  readonly #auditor: Auditor | undefined;
  readonly #req: Request;
  readonly #conn: ConnInfo;
  readonly #receivedAt = microTime();
  #decision: AuditDecision = LEVEL_NONE;
  #event: AuditEvent | null = null;
  #info: RequestInfo | null = null;
  #requestBody: Promise<Uint8Array | null> | null = null;
  #panic: string | null = null;

  constructor(auditor: Auditor | undefined, req: Request, conn: ConnInfo) {
    this.#auditor = auditor;
    this.#req = req;
    this.#conn = conn;
    this.id = req.headers.get("audit-id")?.trim() || crypto.randomUUID();
  }

  /**
   * The request passed authentication as `ctx.user`: decides the level and logs
   * RequestReceived. A body to log is tee'd, so `ctx.req` is replaced by a request reading one
   * branch while the trail keeps the other.
   */
  received(ctx: RequestContext): void {
    if (!this.#auditor) return;
    this.#begin(ctx.info, ctx.url, ctx.user);
    if (!this.#event) return;
    this.#emit("RequestReceived");
    const req = ctx.req;
    if (req.body && ctx.info.isResourceRequest && WRITE_VERBS.has(ctx.info.verb)) {
      const [mine, theirs] = req.body.tee();
      this.#requestBody = capture(mine);
      ctx.req = new Request(req.url, {
        method: req.method,
        headers: req.headers,
        body: theirs,
        signal: req.signal,
        // @ts-ignore: duplex is required for streaming bodies and missing from the lib types.
        duplex: "half",
      });
    }
  }

  /** The user the request acts as, when it impersonates another. */
  impersonated(user: UserInfo): void {
    if (this.#event && user.name !== this.#event.user.username) {
      this.#event.impersonatedUser = eventUser(user);
    }
  }

  /** The authorizer's answer to the request itself. */
  authorized(d: Decision): void {
    if (!this.#event) return;
    const a = (this.#event.annotations ??= {});
    a["authorization.k8s.io/decision"] = d.allowed ? "allow" : "forbid";
    if (d.reason) a["authorization.k8s.io/reason"] = d.reason;
  }

  /** An unexpected error (upstream's panic): the last event is a Panic. */
  panicked(err: unknown): void {
    if (err instanceof StatusError) return;
    this.#panic = `APIServer panic'd on ${this.#req.method} ${new URL(this.#req.url).pathname}: ${
      err instanceof Error ? err.message : String(err)
    }`;
  }

  /**
   * Logs the response's stages and returns it with the `Audit-Id` header. A long-running
   * response is logged as started now and complete when its body ends.
   */
  async finish(ctx: RequestContext | null, response: Response): Promise<Response> {
    try {
      response.headers.set("audit-id", this.id);
    } catch {
      response = new Response(response.body, response);
      response.headers.set("audit-id", this.id);
    }
    if (!this.#auditor) return response;
    try {
      return await this.#finish(ctx, response);
    } catch (err) {
      console.error(`audit: ${this.id}: ${(err as Error).message}`);
      return response;
    }
  }

  async #finish(ctx: RequestContext | null, response: Response): Promise<Response> {
    if (!this.#event && ctx && response.status === 401) {
      // Failed authentication: one ResponseStarted event, as upstream.
      this.#begin(ctx.info, ctx.url, { name: "", groups: [] });
      if (!this.#event) return response;
      await this.#respond(response, false);
      this.#emit("ResponseStarted");
      return response;
    }
    const event = this.#event;
    const info = this.#info;
    if (!event || !info) return response;
    if (this.#panic) {
      event.responseStatus = {
        metadata: {},
        status: "Failure",
        message: this.#panic,
        reason: "InternalError",
        code: 500,
      };
      this.#emit("Panic");
      return response;
    }
    const longRunning = isLongRunning(info) && response.status < 300;
    await this.#respond(response, !longRunning);
    await this.#logRequestObject(info);
    if (!longRunning || !response.body) {
      this.#emit("ResponseComplete");
      return response;
    }
    this.#emit("ResponseStarted");
    let done = false;
    const complete = () => {
      if (done) return;
      done = true;
      this.#emit("ResponseComplete");
    };
    const reader = response.body.getReader();
    const wrapped = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            complete();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          complete();
          controller.error(err);
        }
      },
      cancel(reason) {
        complete();
        return reader.cancel(reason);
      },
    });
    return new Response(wrapped, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  #begin(info: RequestInfo, url: URL, user: UserInfo): void {
    const decision = this.#auditor!.policy.decide(user, info);
    if (decision.level === "None") return;
    this.#decision = decision;
    this.#info = info;
    const event: AuditEvent = {
      kind: "Event",
      apiVersion: "audit.k8s.io/v1",
      level: decision.level,
      auditID: this.id,
      stage: "RequestReceived",
      requestURI: url.pathname + url.search,
      verb: info.verb,
      user: eventUser(user),
      sourceIPs: sourceIPs(this.#req, this.#conn),
      requestReceivedTimestamp: this.#receivedAt,
      stageTimestamp: this.#receivedAt,
    };
    const agent = this.#req.headers.get("user-agent");
    if (agent) event.userAgent = agent;
    const ref = objectRef(info);
    if (ref) event.objectRef = ref;
    this.#event = event;
  }

  /** Sets `responseStatus` (and `responseObject` at RequestResponse) from the response. */
  async #respond(response: Response, withBody: boolean): Promise<void> {
    const event = this.#event!;
    const status: Json = { metadata: {}, code: response.status };
    const json = (response.headers.get("content-type") ?? "").startsWith("application/json");
    const wantBody = withBody && this.#info?.isResourceRequest && bodiesAllowed(this.#info) &&
      atLeast("RequestResponse", this.#decision.level);
    if (json && response.body && (response.status >= 300 || wantBody)) {
      const body = parseBody(await response.clone().text()) as Json | undefined;
      if (body?.kind === "Status") {
        for (const k of ["status", "message", "reason", "details"]) {
          if (body[k] !== undefined) status[k] = body[k];
        }
      }
      if (wantBody && body !== undefined) {
        event.responseObject = redact(this.#info!, body, this.#decision.omitManagedFields);
      }
    }
    event.responseStatus = status;
  }

  async #logRequestObject(info: RequestInfo): Promise<void> {
    if (!this.#requestBody) return;
    const bytes = await this.#requestBody;
    if (!bytes) return;
    const type = this.#req.headers.get("content-type");
    let body: Json | undefined;
    try {
      // JSON, YAML or protobuf objects, as the handler decodes them.
      body = decodeObject(bytes, type);
    } catch {
      // Patches: JSON patch lists, apply YAML.
      body = parseBody(bytes, (type ?? "").includes("yaml")) as Json | undefined;
    }
    if (!body || typeof body !== "object") return;
    const event = this.#event!;
    const meta = body.metadata as Json | undefined;
    if (event.objectRef && info.verb === "create" && meta && typeof meta === "object") {
      if (!event.objectRef.name && typeof meta.name === "string" && meta.name) {
        event.objectRef.name = meta.name;
      }
    }
    if (bodiesAllowed(info) && atLeast("Request", this.#decision.level)) {
      event.requestObject = redact(info, body, this.#decision.omitManagedFields);
    }
  }

  #emit(stage: Stage): void {
    const event = this.#event!;
    if (this.#decision.omitStages.has(stage)) return;
    event.stage = stage;
    event.stageTimestamp = stage === "RequestReceived" ? this.#receivedAt : microTime();
    const out: Record<string, unknown> = {};
    for (const key of FIELD_ORDER) {
      const value = event[key];
      if (value !== undefined) out[key] = value;
    }
    this.#auditor!.sink.write(out as unknown as AuditEvent);
  }
}
