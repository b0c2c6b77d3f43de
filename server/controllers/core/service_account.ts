/**
 * {@link ServiceAccountController}: every active namespace has a `default` service account
 * (upstream `pkg/controller/serviceaccount`). A deleted `default` account comes back; a
 * namespace being deleted gets none.
 *
 * @module
 */
import {
  isAlreadyExists,
  isForbidden,
  isNotFound,
  type KubeObject,
  NAMESPACES,
  SERVICE_ACCOUNTS,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";

/** Options of {@linkcode ServiceAccountController}. */
export interface ServiceAccountConfig extends ControllerConfig {
  /** Accounts every namespace gets (default `["default"]`). */
  accounts?: readonly string[];
}

/** True when the namespace is gone or going. */
export function namespaceInactive(ns: KubeObject | undefined): boolean {
  return !ns || !!ns.metadata.deletionTimestamp ||
    (ns.status as { phase?: string } | undefined)?.phase === "Terminating";
}

/** Creates the `default` service account of each namespace. */
export class ServiceAccountController extends Controller {
  readonly #namespaces: SharedInformer<KubeObject>;
  readonly #accounts: SharedInformer<KubeObject>;
  readonly #names: readonly string[];

  constructor(config: ServiceAccountConfig) {
    super(config);
    this.#names = config.accounts ?? ["default"];
    this.#namespaces = this.watch(NAMESPACES, { keys: (ns) => ns.metadata.name });
    this.#accounts = this.watch(SERVICE_ACCOUNTS, {
      keys: (sa) =>
        this.#names.includes(sa.metadata.name ?? "") ? sa.metadata.namespace : undefined,
    });
  }

  protected async reconcile(namespace: string): Promise<void> {
    if (namespaceInactive(this.#namespaces.store.get(namespace))) return;
    for (const name of this.#names) {
      if (this.#accounts.store.get(`${namespace}/${name}`)) continue;
      try {
        await this.client.create(SERVICE_ACCOUNTS, { metadata: { name, namespace } });
      } catch (err) {
        // Gone or terminating namespaces refuse creates: nothing left to do there.
        if (isAlreadyExists(err) || isNotFound(err)) continue;
        if (isForbidden(err) && namespaceInactive(this.#namespaces.store.get(namespace))) continue;
        throw err;
      }
    }
  }
}
