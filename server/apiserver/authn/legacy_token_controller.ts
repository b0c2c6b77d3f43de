/**
 * The legacy service account token controller (upstream's tokens controller): a secret of type
 * `kubernetes.io/service-account-token` annotated `kubernetes.io/service-account.name` gets a
 * non-expiring token for that service account, the cluster CA (`ca.crt`) and its `namespace`,
 * and the service account's uid as `kubernetes.io/service-account.uid`. A secret whose service
 * account does not exist (or has another uid) is deleted, as upstream does.
 *
 * Reconciles from current state: watch events only queue `namespace/name` keys.
 *
 * @module
 */
import { StatusError } from "../../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../../kube/meta.ts";
import type { Registry } from "../registry.ts";
import type { WriteContext } from "../resource.ts";
import type { Store, WriteOptions } from "../store.ts";
import { KeyedWorker } from "./keyed_worker.ts";
import { legacyClaims, type ServiceAccountTokenSigner } from "./sa_claims.ts";
import { MATCH_ALL } from "../watch_cache.ts";

export const SA_TOKEN_TYPE = "kubernetes.io/service-account-token";
export const SA_NAME_ANNOTATION = "kubernetes.io/service-account.name";
export const SA_UID_ANNOTATION = "kubernetes.io/service-account.uid";

const WRITE_OPTIONS: WriteOptions = { fieldManager: "tokens-controller", apiVersion: "v1" };

export interface LegacyTokenControllerOptions {
  registry: Registry;
  signer: ServiceAccountTokenSigner;
  /** The cluster CA bundle written as `ca.crt`. */
  caPem: string;
  log?: (message: string) => void;
}

function b64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function writeContext(namespace: string): WriteContext {
  return {
    user: { name: "system:kube-controller-manager", groups: ["system:authenticated"] },
    namespace,
    now: new Date(),
    dryRun: false,
    warn: () => {},
  };
}

function isTokenSecret(o: KubeObject): boolean {
  return o.type === SA_TOKEN_TYPE;
}

export class LegacyTokenController {
  #opts: LegacyTokenControllerOptions;
  #secrets: Store;
  #serviceAccounts: Store;
  #worker: KeyedWorker;
  #stops: (() => void)[] = [];

  constructor(opts: LegacyTokenControllerOptions) {
    this.#opts = opts;
    this.#secrets = opts.registry.store("", "secrets");
    this.#serviceAccounts = opts.registry.store("", "serviceaccounts");
    const log = opts.log ?? ((m) => console.error(m));
    this.#worker = new KeyedWorker({
      handle: (key) => this.#reconcile(key),
      onError: (key, err) => log(`Cannot sync service account token secret ${key}: ${err.message}`),
    });
  }

  async start(): Promise<void> {
    this.#stops.push(
      await this.#secrets.watch("", { filter: isTokenSecret }, (type, item) => {
        if (item && type !== "DELETED") this.#worker.add(keyOf(item.obj));
        return true;
      }),
    );
    this.#stops.push(
      await this.#serviceAccounts.watch("", { filter: MATCH_ALL }, (_type, item) => {
        if (item) void this.#enqueueSecretsOf(item.obj);
        return true;
      }),
    );
  }

  stop(): void {
    for (const s of this.#stops.splice(0)) s();
    this.#worker.stop();
  }

  /** Resolves once every queued secret was handled. */
  idle(): Promise<void> {
    return this.#worker.idle();
  }

  async #enqueueSecretsOf(sa: KubeObject): Promise<void> {
    const ns = sa.metadata.namespace ?? "";
    const { items } = await this.#secrets.list(ns, {
      resourceVersion: "0",
      filter: (o) =>
        isTokenSecret(o) && o.metadata.annotations?.[SA_NAME_ANNOTATION] === sa.metadata.name,
    });
    for (const s of items) this.#worker.add(keyOf(s.obj));
  }

  async #reconcile(key: string): Promise<void> {
    const [ns, name] = key.split("/");
    const current = await this.#secrets.tryGet(ns, name);
    if (!current || !isTokenSecret(current.obj) || current.obj.metadata.deletionTimestamp) return;
    const secret = current.obj;
    const annotations = secret.metadata.annotations ?? {};
    const saName = annotations[SA_NAME_ANNOTATION] ?? "";
    const sa = saName ? (await this.#serviceAccounts.tryGet(ns, saName))?.obj : undefined;
    const saUid = annotations[SA_UID_ANNOTATION];
    if (!sa || (saUid && saUid !== sa.metadata.uid)) {
      await this.#delete(ns, name, secret.metadata.uid);
      return;
    }
    const data = (secret.data ?? {}) as Record<string, unknown>;
    const complete = typeof data.token === "string" && data.token !== "" &&
      data["ca.crt"] !== undefined && data.namespace !== undefined &&
      saUid === sa.metadata.uid;
    if (complete) return;
    const token = await this.#opts.signer.sign(
      legacyClaims(ns, { name: saName, uid: sa.metadata.uid ?? "" }, name),
    );
    await this.#secrets.guaranteedUpdate(ns, name, writeContext(ns), WRITE_OPTIONS, (cur) => {
      const next = deepClone(cur.obj);
      const d = (next.data ?? {}) as Record<string, string>;
      if (!d.token) d.token = b64(token);
      d["ca.crt"] ??= b64(this.#opts.caPem);
      d.namespace ??= b64(ns);
      next.data = d;
      next.metadata.annotations = {
        ...next.metadata.annotations,
        [SA_UID_ANNOTATION]: sa.metadata.uid ?? "",
      };
      return next;
    });
  }

  async #delete(ns: string, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.#secrets.delete(ns, name, writeContext(ns), { preconditions: { uid } });
    } catch (err) {
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}
