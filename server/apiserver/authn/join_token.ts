/**
 * The K3s join token as a credential: agents send `Authorization: Basic node:<secret>` (the
 * agent token) and joining servers `server:<secret>` (the server token), as K3s's supervisor
 * expects. The users are `node` in `k3s:agent` and `server` in `k3s:server`: groups that the
 * supervisor authorizer admits to the join API (`/v1-k3s/...`) and to nothing else.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { Authenticator } from "../app.ts";
import type { UserInfo } from "../resource.ts";

export const AGENT_GROUP = "k3s:agent";
export const SERVER_GROUP = "k3s:server";

/** The groups only join-token users are in. */
export const JOIN_TOKEN_GROUPS: readonly string[] = [AGENT_GROUP, SERVER_GROUP];

export interface JoinSecrets {
  /** The secret of `server/token` (`server:` user). */
  serverSecret: string;
  /** The secret of `server/agent-token` (`node:` user). */
  agentSecret: string;
}

/** The user name and password of `Authorization: Basic ...`, or null. */
export function basicCredentials(req: Request): { user: string; password: string } | null {
  const header = req.headers.get("authorization");
  const m = header ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export class JoinTokenAuthenticator implements Authenticator {
  #secrets: () => JoinSecrets;

  /** `secrets` is read per request, so a rotated token takes effect at once. */
  constructor(secrets: JoinSecrets | (() => JoinSecrets)) {
    this.#secrets = typeof secrets === "function" ? secrets : () => secrets;
  }

  authenticate(req: Request): Promise<UserInfo | null> {
    const creds = basicCredentials(req);
    if (!creds) return Promise.resolve(null);
    const { serverSecret, agentSecret } = this.#secrets();
    if (creds.user === "server" && sameSecret(creds.password, serverSecret)) {
      return Promise.resolve({ name: "server", uid: "server", groups: [SERVER_GROUP] });
    }
    if (creds.user === "node" && sameSecret(creds.password, agentSecret)) {
      return Promise.resolve({ name: "node", uid: "node", groups: [AGENT_GROUP] });
    }
    return Promise.resolve(null);
  }
}
