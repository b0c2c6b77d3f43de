/**
 * Cluster role aggregation (upstream's clusterrole-aggregation controller): a cluster role with
 * an `aggregationRule` gets as its rules the union of the rules of every other cluster role its
 * selectors match, in name order, without duplicates. It follows the {@link RbacIndex}: any
 * cluster role change triggers a pass, and a pass writes only roles whose rules differ, so
 * chains (view → edit → admin) settle after a few passes.
 *
 * @module
 */
import {
  type LabelSelector,
  labelSelectorAsSelector,
  type Selector,
} from "../../../kube/labels.ts";
import { deepClone, deepEqual, type KubeObject } from "../../../kube/meta.ts";
import type { Store, WriteOptions } from "../store.ts";
import { systemWriteContext } from "./bootstrap_policy_reconcile.ts";
import type { RbacIndex } from "./rbac_index.ts";
import { type PolicyRule, RBAC_GROUP } from "./rbac_rules.ts";

function selectorsOf(role: KubeObject): Selector[] {
  const rule = role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined;
  const out: Selector[] = [];
  for (const s of Array.isArray(rule?.clusterRoleSelectors) ? rule.clusterRoleSelectors : []) {
    try {
      out.push(labelSelectorAsSelector(s));
    } catch {
      // An invalid selector matches nothing (validation keeps them out of storage).
    }
  }
  return out;
}

/** Whether a cluster role aggregates others. */
export function isAggregated(role: KubeObject): boolean {
  const rule = role.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined;
  return Array.isArray(rule?.clusterRoleSelectors) && rule.clusterRoleSelectors.length > 0;
}

/** The rules an aggregated cluster role should have, given every cluster role. */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): PolicyRule[] {
  const sorted = [...all].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const rules: PolicyRule[] = [];
  for (const selector of selectorsOf(role)) {
    for (const other of sorted) {
      if (other.metadata.name === role.metadata.name) continue;
      if (!selector.matches(other.metadata.labels)) continue;
      for (const r of Array.isArray(other.rules) ? other.rules as PolicyRule[] : []) {
        if (!rules.some((have) => deepEqual(have, r))) rules.push(deepClone(r));
      }
    }
  }
  return rules;
}

const WRITE_OPTIONS: WriteOptions = {
  fieldManager: "clusterrole-aggregation-controller",
  apiVersion: `${RBAC_GROUP}/v1`,
};

export interface AggregatorOptions {
  index: RbacIndex;
  store: Pick<Store, "guaranteedUpdate">;
  /** Reports a failed pass (it is retried after `retryMs`). */
  onError?: (err: Error) => void;
  retryMs?: number;
}

export class ClusterRoleAggregator {
  #opts: AggregatorOptions;
  #dirty = false;
  #running: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(opts: AggregatorOptions) {
    this.#opts = opts;
  }

  /** Follows cluster role changes and runs a first pass. */
  start(): void {
    this.#unsubscribe = this.#opts.index.onClusterRoleChange(() => this.#kick());
    this.#kick();
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#retry) clearTimeout(this.#retry);
  }

  /** Whether a pass is running or pending. */
  get busy(): boolean {
    return this.#running !== null || this.#dirty;
  }

  /** Resolves once no pass is running or pending. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    this.#dirty = true;
    if (this.#running || this.#stopped) return;
    this.#running = this.#loop().finally(() => (this.#running = null));
  }

  async #loop(): Promise<void> {
    while (this.#dirty && !this.#stopped) {
      this.#dirty = false;
      try {
        await this.#pass();
      } catch (err) {
        this.#opts.onError?.(err instanceof Error ? err : new Error(String(err)));
        this.#retry = setTimeout(() => this.#kick(), this.#opts.retryMs ?? 1000);
        return;
      }
    }
  }

  async #pass(): Promise<void> {
    const { index, store } = this.#opts;
    for (const role of index.clusterRoles()) {
      if (!isAggregated(role)) continue;
      const want = aggregatedRules(role, index.clusterRoles());
      if (deepEqual(role.rules ?? [], want)) continue;
      await store.guaranteedUpdate(
        "",
        role.metadata.name!,
        systemWriteContext(),
        WRITE_OPTIONS,
        (cur) => {
          if (!isAggregated(cur.obj)) return cur.obj;
          const next = deepClone(cur.obj);
          next.rules = aggregatedRules(cur.obj, index.clusterRoles());
          return next;
        },
      ).catch((err) => {
        // Deleted meanwhile: nothing to aggregate.
        if ((err as { code?: number }).code !== 404) throw err;
      });
    }
  }
}
