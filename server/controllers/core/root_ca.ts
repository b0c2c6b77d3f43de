/**
 * {@link RootCaPublisher}: the `kube-root-ca.crt` ConfigMap (`ca.crt`: the API server's CA) in
 * every active namespace, put back when changed or deleted (upstream
 * `pkg/controller/certificates/rootcacertpublisher`). Projected service account token volumes
 * read it.
 *
 * @module
 */
import {
  CONFIGMAPS,
  isAlreadyExists,
  isForbidden,
  isNotFound,
  type KubeObject,
  NAMESPACES,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { deepEqual } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig, required } from "../framework/mod.ts";
import { namespaceInactive } from "./service_account.ts";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";

/** Upstream's description annotation of the ConfigMap. */
export const ROOT_CA_DESCRIPTION = "Contains a CA bundle that can be used to verify the " +
  "kube-apiserver when using internal endpoints such as the internal service IP or " +
  "kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes " +
  "clusters.";

const DESCRIPTION_KEY = "kubernetes.io/description";

/** Options of {@linkcode RootCaPublisher}. */
export interface RootCaPublisherConfig extends ControllerConfig {
  /** The server CA bundle (PEM). */
  caPem: string;
}

/** Publishes the root CA into every namespace. */
export class RootCaPublisher extends Controller {
  readonly #namespaces: SharedInformer<KubeObject>;
  readonly #configMaps: SharedInformer<KubeObject>;
  readonly #caPem: string;

  constructor(config: RootCaPublisherConfig) {
    super(config);
    this.#caPem = required(this.name, "caPem", config.caPem);
    this.#namespaces = this.watch(NAMESPACES, { keys: (ns) => ns.metadata.name });
    // Only this one ConfigMap per namespace: holding every ConfigMap would double the memory.
    this.#configMaps = this.watch(CONFIGMAPS, {
      fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}`,
      keys: (cm) => cm.metadata.name === ROOT_CA_CONFIGMAP ? cm.metadata.namespace : undefined,
    });
  }

  protected async reconcile(namespace: string): Promise<void> {
    if (namespaceInactive(this.#namespaces.store.get(namespace))) return;
    const data = { "ca.crt": this.#caPem };
    const current = this.#configMaps.store.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    try {
      if (!current) {
        await this.client.create(CONFIGMAPS, {
          metadata: {
            name: ROOT_CA_CONFIGMAP,
            namespace,
            annotations: { [DESCRIPTION_KEY]: ROOT_CA_DESCRIPTION },
          },
          data,
        });
        return;
      }
      const annotations = current.metadata.annotations ?? {};
      if (
        deepEqual(current.data ?? {}, data) && annotations[DESCRIPTION_KEY] === ROOT_CA_DESCRIPTION
      ) return;
      await this.client.update(CONFIGMAPS, {
        ...current,
        metadata: {
          ...current.metadata,
          annotations: { ...annotations, [DESCRIPTION_KEY]: ROOT_CA_DESCRIPTION },
        },
        data,
      });
    } catch (err) {
      if (isAlreadyExists(err) || isNotFound(err)) return;
      if (isForbidden(err) && namespaceInactive(this.#namespaces.store.get(namespace))) return;
      throw err;
    }
  }
}
