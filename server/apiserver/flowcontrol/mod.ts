/**
 * Overload protection of the API server, after impersonation and before authorization, as
 * kube-apiserver's priority-and-fairness filter. `--max-requests-inflight` plus
 * `--max-mutating-requests-inflight` (400 + 200 by default) is the server's concurrency, shared
 * among the priority levels by their nominal concurrency shares; a request is classified by the
 * bootstrap FlowSchemas (so kubelets, controllers, the scheduler and leader election run in their
 * own levels, `system:masters` and health probes are exempt), waits briefly in its flow's queue
 * when its level is busy, and is answered 429 TooManyRequests with `Retry-After: 1` when there is
 * no room. Long-running requests (watch, exec, attach, port-forward, logs, proxy) are not
 * counted. With `--enable-priority-and-fairness=false` the older max-in-flight filter applies
 * instead: the two limits separately for read-only and mutating requests, no queue, and only
 * `system:masters` exempt.
 *
 * Until `start()` follows the configuration objects of the API, the bootstrap ones apply.
 *
 * @module
 */
import { tooManyRequests } from "../../../kube/errors.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import type { ApiserverArgs } from "../apiserver_args.ts";
import type { Registry } from "../registry.ts";
import type { RequestContext } from "../context.ts";
import { isLongRunning } from "../long_running.ts";
import { respondError } from "../respond.ts";
import {
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "../resources/flowcontrol/bootstrap.ts";
import { type Classification, classify, compileSchemas } from "./classify.ts";
import { PriorityLevel, Rejected } from "./priority_level.ts";
import { MATCH_ALL } from "../watch_cache.ts";

type Json = Record<string, unknown>;

const GROUP = "flowcontrol.apiserver.k8s.io";

export interface FlowControlOptions {
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  /** API Priority and Fairness (default) or the plain max-in-flight limits. */
  priorityAndFairness: boolean;
  /** How long a request may wait for a seat (upstream: a quarter of the request timeout). */
  queueWaitMs?: number;
  flowSchemas?: readonly KubeObject[];
  priorityLevels?: readonly KubeObject[];
}

/** The options `--kube-apiserver-arg` gives. */
export function flowControlOptions(args: ApiserverArgs): FlowControlOptions {
  return {
    maxRequestsInflight: args.int("max-requests-inflight", 400),
    maxMutatingRequestsInflight: args.int("max-mutating-requests-inflight", 200),
    priorityAndFairness: args.bool("enable-priority-and-fairness", true),
  };
}

const READ_ONLY_VERBS = new Set(["get", "list", "watch"]);
const PRIVILEGED_GROUP = "system:masters";

export class FlowControl {
  readonly #opts: FlowControlOptions;
  readonly #waitMs: number;
  #schemas: ReturnType<typeof compileSchemas> = [];
  readonly #levels = new Map<string, PriorityLevel>();
  #uids = new Map<string, string>();
  #stops: (() => void)[] = [];

  constructor(opts: FlowControlOptions) {
    this.#opts = opts;
    this.#waitMs = opts.queueWaitMs ?? 15_000;
    if (!opts.priorityAndFairness) {
      for (
        const [name, seats] of [
          ["readOnly", opts.maxRequestsInflight],
          ["mutating", opts.maxMutatingRequestsInflight],
        ] as const
      ) {
        this.#levels.set(
          name,
          new PriorityLevel({
            name,
            seats: seats || Infinity,
            queueLengthLimit: 0,
            maxQueued: 0,
            waitLimitMs: this.#waitMs,
          }),
        );
      }
      return;
    }
    this.#configure(
      opts.flowSchemas ?? [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS],
      opts.priorityLevels ?? [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS],
    );
  }

  /**
   * Follows the FlowSchema and PriorityLevelConfiguration objects of the API, so that their
   * edits (a schema of one's own, other shares) take effect as upstream's configuration
   * controller makes them.
   */
  async start(registry: Registry): Promise<void> {
    if (!this.#opts.priorityAndFairness) return;
    const objects = {
      flowschemas: new Map<string, KubeObject>(),
      prioritylevelconfigurations: new Map<string, KubeObject>(),
    };
    let started = false;
    let pending = false;
    const rebuild = () => {
      if (!started || pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        this.#configure(
          [...objects.flowschemas.values()],
          [...objects.prioritylevelconfigurations.values()],
        );
      });
    };
    for (const plural of ["flowschemas", "prioritylevelconfigurations"] as const) {
      this.#stops.push(
        await registry.store(GROUP, plural).watch("", { filter: MATCH_ALL }, (type, item) => {
          if (!item || type === "BOOKMARK") return true;
          const name = item.obj.metadata.name!;
          if (type === "DELETED") objects[plural].delete(name);
          else objects[plural].set(name, item.obj);
          rebuild();
          return true;
        }),
      );
    }
    started = true;
    rebuild();
  }

  stop(): void {
    for (const s of this.#stops.splice(0)) s();
  }

  /** Compiles schemas (leaving out those whose level is missing) and sizes the levels. */
  #configure(schemas: readonly KubeObject[], levels: readonly KubeObject[]): void {
    const total = this.#opts.maxRequestsInflight + this.#opts.maxMutatingRequestsInflight;
    const limited = levels.map((l) => ({ name: l.metadata.name!, spec: (l.spec ?? {}) as Json }))
      .map(({ name, spec }) => ({ name, type: spec.type, limited: (spec.limited ?? {}) as Json }));
    const shares = limited.filter((l) => l.type === "Limited")
      .reduce((sum, l) => sum + Number(l.limited.nominalConcurrencyShares ?? 30), 0);
    const names = new Set<string>();
    for (const l of limited) {
      const response = (l.limited.limitResponse ?? {}) as Json;
      const queuing = (response.queuing ?? {}) as Json;
      const queues = response.type === "Queue" ? Number(queuing.queues ?? 64) : 0;
      const perFlow = response.type === "Queue" ? Number(queuing.queueLengthLimit ?? 50) : 0;
      const seats = l.type !== "Limited" || total === 0
        ? Infinity
        : Math.max(1, Math.ceil(total * Number(l.limited.nominalConcurrencyShares ?? 30) / shares));
      const opts = {
        name: l.name,
        seats,
        queueLengthLimit: perFlow,
        maxQueued: queues * perFlow,
        waitLimitMs: this.#waitMs,
      };
      const existing = this.#levels.get(l.name);
      if (existing) existing.reconfigure(opts);
      else this.#levels.set(l.name, new PriorityLevel(opts));
      names.add(l.name);
    }
    // A removed level's requests in flight still release into the object they hold.
    for (const name of [...this.#levels.keys()]) if (!names.has(name)) this.#levels.delete(name);
    this.#schemas = compileSchemas(schemas).filter((s) => names.has(s.level));
    const uids = new Map<string, string>();
    for (
      const [plural, list] of [["flowschemas", schemas], [
        "prioritylevelconfigurations",
        levels,
      ]] as const
    ) {
      for (const o of list) {
        if (o.metadata.uid) uids.set(`${plural}/${o.metadata.name}`, o.metadata.uid);
      }
    }
    this.#uids = uids;
  }

  /** A level's state, for tests and diagnostics. */
  level(name: string): PriorityLevel | undefined {
    return this.#levels.get(name);
  }

  /** Which level a request goes to; null when it is exempt. */
  classify(ctx: RequestContext): Classification | null {
    const { user, info } = ctx;
    if (!this.#opts.priorityAndFairness) {
      if (user.groups.includes(PRIVILEGED_GROUP)) return null;
      const level = READ_ONLY_VERBS.has(info.verb) ? "readOnly" : "mutating";
      return { schema: "", level, flow: level };
    }
    return classify(this.#schemas, user, info);
  }

  /** Runs `serve` once the request has a seat; a 429 Status when it gets none. */
  async run(ctx: RequestContext, serve: () => Promise<Response>): Promise<Response> {
    if (isLongRunning(ctx.info)) return await serve();
    const c = this.classify(ctx);
    const level = c ? this.#levels.get(c.level) : undefined;
    if (!c || !level || level.opts.seats === Infinity) return this.#mark(c, await serve());
    try {
      await level.acquire(c.flow, ctx.signal);
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      return this.#mark(c, respondError(ctx, tooManyRequests(1)));
    }
    try {
      return this.#mark(c, await serve());
    } finally {
      level.release();
    }
  }

  #mark(c: Classification | null, response: Response): Response {
    if (!c?.schema) return response;
    const schema = this.#uids.get(`flowschemas/${c.schema}`);
    const level = this.#uids.get(`prioritylevelconfigurations/${c.level}`);
    try {
      if (schema) response.headers.set("x-kubernetes-pf-flowschema-uid", schema);
      if (level) response.headers.set("x-kubernetes-pf-prioritylevel-uid", level);
    } catch { /* immutable headers (an upgrade answer): leave them */ }
    return response;
  }
}
