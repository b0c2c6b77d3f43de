/**
 * RBAC as the API server uses it, in one object for the composition root: the resources
 * (`rbac.authorization.k8s.io`, `authorization.k8s.io`), the in-memory index they feed, the
 * authorizer chain over it, the bootstrap policy reconciled at start and cluster role
 * aggregation.
 *
 * @module
 */
import type { Registry } from "../registry.ts";
import type { ResourceDef } from "../resource.ts";
import { authorizationResources } from "../resources/authorization/mod.ts";
import { rbacResources } from "../resources/rbac/mod.ts";
import { reconcileBootstrapPolicy, type ReconcileReport } from "./bootstrap_policy_reconcile.ts";
import { type AuthorizerChain, type ChainMember, defaultAuthorizerChain } from "./chain.ts";
import { ClusterRoleAggregator } from "./rbac_aggregation.ts";
import { RbacIndex, type RbacKind } from "./rbac_index.ts";
import { RBAC_GROUP } from "./rbac_rules.ts";

export interface RbacAuthorizationOptions {
  /** Authorizers asked after privileged groups and before RBAC (the Node authorizer). */
  before?: ChainMember[];
  /** Where problems of the aggregation loop are reported. */
  log?: (message: string) => void;
}

export class RbacAuthorization {
  readonly index: RbacIndex = new RbacIndex();
  readonly authorizer: AuthorizerChain;
  #log: (message: string) => void;
  #aggregator: ClusterRoleAggregator | null = null;
  #sync: (() => Promise<unknown>) | null = null;

  constructor(opts: RbacAuthorizationOptions = {}) {
    this.authorizer = defaultAuthorizerChain(this.index, opts.before);
    this.#log = opts.log ?? ((m) => console.error(m));
  }

  /** The resource definitions to register. */
  resources(): ResourceDef[] {
    return [
      ...rbacResources({ authorizer: this.authorizer, index: this.index }),
      ...authorizationResources(this.authorizer),
    ];
  }

  /** Loads the index from the (registered) RBAC stores; call before serving requests. */
  async start(registry: Registry): Promise<void> {
    const store = (kind: RbacKind) => registry.store(RBAC_GROUP, kind);
    // A list at the latest revision returns once the watch cache (so the index) caught up.
    this.#sync = () => store("clusterroles").list("", { limit: 1 });
    await this.index.start({
      roles: store("roles"),
      rolebindings: store("rolebindings"),
      clusterroles: store("clusterroles"),
      clusterrolebindings: store("clusterrolebindings"),
    });
  }

  /**
   * Reconciles the bootstrap policy, then keeps aggregated cluster roles up to date. Resolves
   * once the authorizer honours the policy: the controllers and the scheduler started next must
   * not be refused because the index is still catching up with the policy's writes.
   */
  async bootstrap(registry: Registry): Promise<ReconcileReport> {
    const report = await reconcileBootstrapPolicy(registry);
    await this.#sync?.();
    this.#aggregator ??= new ClusterRoleAggregator({
      index: this.index,
      store: registry.store(RBAC_GROUP, "clusterroles"),
      onError: (err) => this.#log(`Cannot aggregate cluster roles: ${err.message}`),
    });
    this.#aggregator.start();
    return report;
  }

  /** Resolves once the index and aggregated cluster roles caught up with every write so far. */
  async settled(): Promise<void> {
    for (;;) {
      await this.#sync?.();
      if (!this.#aggregator?.busy) return;
      await this.#aggregator.idle();
    }
  }

  stop(): void {
    this.#aggregator?.stop();
    this.index.stop();
  }
}
