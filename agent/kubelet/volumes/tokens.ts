/**
 * Service account tokens for projected volumes, asked for with TokenRequest
 * (`serviceaccounts/<name>/token`, bound to the pod) and renewed, as upstream's token manager
 * does, once 80% of their lifetime (or 24 h) has passed.
 *
 * @module
 */
import type { KubeClient } from "../../../kube/client/client.ts";
import { type Clock, realClock } from "../../../kube/client/clock.ts";
import type { Pod } from "../../../kube/client/types.ts";

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export interface TokenRequestSpec {
  serviceAccount: string;
  audience?: string;
  expirationSeconds: number;
}

export class TokenManager {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #cache = new Map<string, Cached>();

  constructor(client: KubeClient, clock: Clock = realClock) {
    this.#client = client;
    this.#clock = clock;
  }

  #key(pod: Pod, spec: TokenRequestSpec): string {
    return [pod.metadata.uid, spec.serviceAccount, spec.audience ?? "", spec.expirationSeconds]
      .join("|");
  }

  #fresh(entry: Cached): boolean {
    const now = this.#clock.now();
    const ttl = entry.expiresAt - entry.issuedAt;
    return now < entry.issuedAt + Math.min(ttl * 0.8, 24 * 3600_000);
  }

  /** A token for the pod (a cached one while it is fresh). */
  async token(pod: Pod, spec: TokenRequestSpec): Promise<string> {
    const key = this.#key(pod, spec);
    const cached = this.#cache.get(key);
    if (cached && this.#fresh(cached)) return cached.token;
    const ns = pod.metadata.namespace!;
    const body = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: spec.audience ? [spec.audience] : [],
        expirationSeconds: spec.expirationSeconds,
        boundObjectRef: {
          apiVersion: "v1",
          kind: "Pod",
          name: pod.metadata.name,
          uid: pod.metadata.uid,
        },
      },
    };
    const answer = await this.#client.request<{
      status?: { token?: string; expirationTimestamp?: string };
    }>(
      "POST",
      `/api/v1/namespaces/${ns}/serviceaccounts/${spec.serviceAccount}/token`,
      body,
    );
    const token = answer.status?.token;
    if (!token) throw new Error("the TokenRequest answer has no token");
    const now = this.#clock.now();
    const expiresAt = Date.parse(answer.status?.expirationTimestamp ?? "") ||
      now + spec.expirationSeconds * 1000;
    this.#cache.set(key, { token, issuedAt: now, expiresAt });
    return token;
  }

  /** Drops the tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const key of this.#cache.keys()) if (key.startsWith(`${podUid}|`)) this.#cache.delete(key);
  }
}
