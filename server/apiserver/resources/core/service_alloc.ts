/**
 * ClusterIP and NodePort bookkeeping for services: claims on create (released if the create
 * fails), claims and releases on update when the type or ports change, releases on delete.
 * Nothing is claimed for a dry run or for an object that will fail validation anyway.
 *
 * @module
 */
import { type FieldError, invalid } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { WriteContext } from "../../resource.ts";
import type { Allocator, Claimed } from "./allocator.ts";
import {
  needsClusterIP,
  needsHealthCheckPort,
  needsNodePorts,
  nodePortsOf,
  specOf,
} from "./service_defaults.ts";
import { validateService, validateServiceUpdate } from "./service_validation.ts";
import { invalidField, type Obj, objs, str } from "./util.ts";

export class ServiceAllocations {
  #alloc: Allocator;
  /** What each object being created claimed, so a failed create gives back exactly that. */
  #claimed = new WeakMap<KubeObject, Claimed[]>();

  constructor(alloc: Allocator) {
    this.#alloc = alloc;
  }

  async create(svc: KubeObject, ctx: WriteContext): Promise<void> {
    if (validateService(svc).length) return;
    const claimed: Claimed[] = [];
    await this.#assign(svc, () => this.#assignAll(svc, null, ctx.dryRun, claimed), claimed);
    this.#claimed.set(svc, claimed);
  }

  async createFailed(svc: KubeObject): Promise<void> {
    const claimed = this.#claimed.get(svc);
    this.#claimed.delete(svc);
    if (claimed) await this.#alloc.release(claimed);
  }

  async update(svc: KubeObject, old: KubeObject, ctx: WriteContext): Promise<void> {
    if (validateService(svc).length || validateServiceUpdate(svc, old).length) return;
    const claimed: Claimed[] = [];
    await this.#assign(svc, () => this.#assignAll(svc, old, ctx.dryRun, claimed), claimed);
    if (ctx.dryRun) return;
    const spec = specOf(svc);
    const oldSpec = specOf(old);
    const gone: Claimed[] = [];
    const oldIp = str(oldSpec.clusterIP);
    if (needsClusterIP(oldSpec) && oldIp !== str(spec.clusterIP) && this.#alloc.inIpRange(oldIp)) {
      gone.push({ kind: "serviceip", id: oldIp });
    }
    const keep = nodePortsOf(spec);
    for (const port of nodePortsOf(oldSpec)) {
      if (!keep.has(port) && this.#alloc.inPortRange(port)) {
        gone.push({ kind: "nodeport", id: String(port) });
      }
    }
    await this.#alloc.release(gone);
  }

  async afterDelete(svc: KubeObject): Promise<void> {
    const spec = specOf(svc);
    const gone: Claimed[] = [];
    const ip = str(spec.clusterIP);
    if (needsClusterIP(spec) && this.#alloc.inIpRange(ip)) gone.push({ kind: "serviceip", id: ip });
    for (const port of nodePortsOf(spec)) {
      if (this.#alloc.inPortRange(port)) gone.push({ kind: "nodeport", id: String(port) });
    }
    await this.#alloc.release(gone);
  }

  async #assign(
    svc: KubeObject,
    run: () => Promise<FieldError[]>,
    claimed: Claimed[],
  ): Promise<void> {
    let errs: FieldError[];
    try {
      errs = await run();
    } catch (err) {
      await this.#alloc.release(claimed);
      throw err;
    }
    if (errs.length) {
      await this.#alloc.release(claimed);
      throw invalid("Service", "", svc.metadata.name ?? "", errs);
    }
  }

  async #assignAll(svc: KubeObject, old: KubeObject | null, dryRun: boolean, claimed: Claimed[]) {
    const spec = specOf(svc);
    const oldSpec = old ? specOf(old) : {};
    const errs: FieldError[] = [];
    const heldIp = old && needsClusterIP(oldSpec) ? str(oldSpec.clusterIP) : "";
    if (needsClusterIP(spec)) {
      const err = await this.#assignIp(spec, heldIp, dryRun, claimed);
      if (err) return [err];
    } else if (str(spec.clusterIP) === "None") spec.clusterIPs = ["None"];
    const held = old ? nodePortsOf(oldSpec) : new Set<number>();
    errs.push(...await this.#assignPorts(spec, held, dryRun, claimed));
    return errs;
  }

  async #assignIp(
    spec: Obj,
    held: string,
    dryRun: boolean,
    claimed: Claimed[],
  ): Promise<FieldError | null> {
    const want = str(spec.clusterIP);
    if (want && want === held) return null;
    if (!want) {
      const ip = await this.#alloc.allocateIp(dryRun);
      if (!dryRun) claimed.push({ kind: "serviceip", id: ip });
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return null;
    }
    const result = dryRun
      ? (this.#alloc.inIpRange(want) ? "ok" : "out-of-range")
      : await this.#alloc.claimIp(want);
    if (result === "ok") {
      if (!dryRun) claimed.push({ kind: "serviceip", id: want });
      spec.clusterIPs = [want];
      return null;
    }
    const why = result === "taken"
      ? "provided IP is already allocated"
      : `the provided IP (${want}) is not in the valid range. The range of valid IPs is ${this.#alloc.cidr}`;
    return invalidField(
      "spec.clusterIPs",
      spec.clusterIPs ?? [want],
      `failed to allocate IP ${want}: ${why}`,
    );
  }

  async #assignPorts(
    spec: Obj,
    held: Set<number>,
    dryRun: boolean,
    claimed: Claimed[],
  ): Promise<FieldError[]> {
    if (spec.type !== "NodePort" && spec.type !== "LoadBalancer") return [];
    const errs: FieldError[] = [];
    const taken = new Set<number>(held);
    const byServicePort = new Map<unknown, number>();
    const ports = objs(spec.ports);
    for (const [i, p] of ports.entries()) {
      if (typeof p.nodePort !== "number" || p.nodePort === 0) continue;
      if (!byServicePort.has(p.port)) byServicePort.set(p.port, p.nodePort);
      if (taken.has(p.nodePort)) continue;
      const err = await this.#claimPort(p.nodePort, `spec.ports[${i}].nodePort`, dryRun, claimed);
      if (err) errs.push(err);
      taken.add(p.nodePort);
    }
    if (errs.length) return errs;
    for (const p of ports) {
      if ((typeof p.nodePort === "number" && p.nodePort !== 0) || !needsNodePorts(spec)) continue;
      let port = byServicePort.get(p.port);
      if (port === undefined) {
        port = await this.#alloc.allocatePort(dryRun);
        if (!dryRun) claimed.push({ kind: "nodeport", id: String(port) });
        byServicePort.set(p.port, port);
      }
      p.nodePort = port;
    }
    if (needsHealthCheckPort(spec)) {
      const hc = spec.healthCheckNodePort;
      if (typeof hc === "number" && hc !== 0) {
        if (!taken.has(hc)) {
          const err = await this.#claimPort(hc, "spec.healthCheckNodePort", dryRun, claimed);
          if (err) errs.push(err);
        }
      } else {
        const port = await this.#alloc.allocatePort(dryRun);
        if (!dryRun) claimed.push({ kind: "nodeport", id: String(port) });
        spec.healthCheckNodePort = port;
      }
    }
    return errs;
  }

  async #claimPort(
    port: number,
    path: string,
    dryRun: boolean,
    claimed: Claimed[],
  ): Promise<FieldError | null> {
    const result = dryRun
      ? (this.#alloc.inPortRange(port) ? "ok" : "out-of-range")
      : await this.#alloc.claimPort(port);
    if (result === "ok") {
      if (!dryRun) claimed.push({ kind: "nodeport", id: String(port) });
      return null;
    }
    const [lo, hi] = this.#alloc.ports;
    const why = result === "taken"
      ? "provided port is already allocated"
      : `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`;
    return invalidField(path, port, why);
  }
}
