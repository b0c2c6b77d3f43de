/**
 * Who may use the kubelet's API, as upstream's delegated authentication and authorization: a
 * client certificate verified against the cluster's client CA (by the TLS layer) or a bearer
 * token checked with a TokenReview; then a SubjectAccessReview for the `nodes` resource with
 * the subresource the path maps to (`proxy` for exec, logs of containers, pods; `log`, `stats`,
 * `metrics`, `spec`). Answers are cached for a short while, as upstream caches them.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { KubeClient } from "../../../kube/client/client.ts";

export interface KubeletUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

const ALLOWED_TTL_MS = 300_000;
const DENIED_TTL_MS = 30_000;

/** The node subresource a kubelet path is authorized as. */
export function subresourceOf(path: string): string {
  const first = path.split("/")[1] ?? "";
  switch (first) {
    case "stats":
      return "stats";
    case "metrics":
      return "metrics";
    case "logs":
      return "log";
    case "spec":
      return "spec";
    case "checkpoint":
      return "checkpoint";
    default:
      return "proxy";
  }
}

/** The authorization verb of an HTTP method (upstream's kubelet mapping). */
export function verbOf(method: string): string {
  switch (method) {
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      return "get";
  }
}

export class KubeletAuth {
  readonly #client: KubeClient;
  readonly #nodeName: string;
  readonly #tokens = new Map<string, { at: number; user?: KubeletUser }>();
  readonly #decisions = new Map<string, { at: number; allowed: boolean; reason: string }>();

  constructor(client: KubeClient, nodeName: string) {
    this.#client = client;
    this.#nodeName = nodeName;
  }

  /** The user of a request, or undefined when it has no valid credentials. */
  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = cert?.subject?.CN;
      if (cn) {
        const org = cert.subject.O;
        const groups = org === undefined ? [] : Array.isArray(org) ? org : [org];
        return { name: String(cn), groups: [...groups, "system:authenticated"] };
      }
    }
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return undefined;
    return await this.#review(m[1]);
  }

  async #review(token: string): Promise<KubeletUser | undefined> {
    const now = Date.now();
    const hit = this.#tokens.get(token);
    if (hit && now - hit.at < (hit.user ? 120_000 : 10_000)) return hit.user;
    const review = await this.#client.request<{
      status?: {
        authenticated?: boolean;
        user?: {
          username?: string;
          uid?: string;
          groups?: string[];
          extra?: Record<string, string[]>;
        };
      };
    }>("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    const u = review.status?.user;
    const user = review.status?.authenticated && u?.username
      ? { name: u.username, uid: u.uid, groups: u.groups ?? [], extra: u.extra }
      : undefined;
    if (this.#tokens.size > 1000) this.#tokens.clear();
    this.#tokens.set(token, { at: now, user });
    return user;
  }

  /** Whether `user` may make this request; the reason when not. */
  async authorize(
    user: KubeletUser,
    method: string,
    path: string,
  ): Promise<{ allowed: boolean; reason: string }> {
    const verb = verbOf(method);
    const subresource = subresourceOf(path);
    const key = JSON.stringify([user.name, user.groups, verb, subresource]);
    const now = Date.now();
    const hit = this.#decisions.get(key);
    if (hit && now - hit.at < (hit.allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS)) return hit;
    const review = await this.#client.request<{ status?: { allowed?: boolean; reason?: string } }>(
      "POST",
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.name,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          resourceAttributes: {
            verb,
            resource: "nodes",
            subresource,
            name: this.#nodeName,
            group: "",
            version: "v1",
          },
        },
      },
    );
    const allowed = Boolean(review.status?.allowed);
    const decision = {
      at: now,
      allowed,
      reason: allowed
        ? ""
        : `Forbidden (user=${user.name}, verb=${verb}, resource=nodes, subresource=${subresource})`,
    };
    if (this.#decisions.size > 1000) this.#decisions.clear();
    this.#decisions.set(key, decision);
    return decision;
  }
}
