/**
 * The K3s join API under `/v1-k3s/`, what an agent asks for after `/cacerts` and before it has
 * credentials of its own: kubelet serving and client certificates (after the node password
 * check), the kube-proxy and k3s-controller client certificates, the CAs, the agent config and
 * the list of API servers.
 *
 * Who may call it is decided by {@link supervisorAuthorizer}: members of
 * `k3s:agent`, `k3s:server` (the join tokens), `system:nodes` (kubelets renewing) and
 * `system:bootstrappers` (bootstrap tokens), as K3s's `HasRole` middleware.
 *
 * Certificates are issued for the shared kubelet keys K3s keeps in `server/tls` and sent with
 * the key, as K3s answers agents that do not send a certificate signing request.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { badRequest, methodNotSupported, StatusError, unauthorized } from "../../kube/errors.ts";
import type { Route } from "../apiserver/app.ts";
import type { ChainDecision, ChainMember } from "../apiserver/authz/chain.ts";
import { JOIN_TOKEN_GROUPS } from "../apiserver/authn/join_token.ts";
import type { ObjectLookup } from "../apiserver/authn/lookup.ts";
import { NODES } from "../apiserver/authn/lookup.ts";
import type { RequestContext } from "../apiserver/context.ts";
import type { Registry } from "../apiserver/registry.ts";
import type { Pki } from "../pki/mod.ts";
import { signCertificate } from "../pki/mod.ts";
import { agentConfig, type AgentConfigInput } from "./agent_config.ts";
import { ensureNodePassword } from "./node_password.ts";

export const JOIN_API_PREFIX = "/v1-k3s/";

/** The groups K3s admits to the agent endpoints. */
export const JOIN_API_ROLES: readonly string[] = [
  "k3s:agent",
  "k3s:server",
  "system:nodes",
  "system:bootstrappers",
];

export interface JoinApiOptions {
  pki: Pick<Pki, "serverCa" | "clientCa" | "clients" | "kubeletKeys">;
  registry: Registry;
  lookup: ObjectLookup;
  config: AgentConfigInput;
  /** This server's `host:port`, when the `kubernetes` endpoints do not list any yet. */
  selfAddress: string;
  ready: () => boolean;
}

const text = (body: string) =>
  new Response(body, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });

const json = (value: unknown) =>
  new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });

function first(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(pem);
  return m ? m[0] : pem;
}

const NODE_USER = /^system:node:(.+)$/;

/** The requesting node's name and password from the K3s headers, checked as K3s does. */
async function nodeAuth(ctx: RequestContext, opts: JoinApiOptions): Promise<string> {
  const name = (ctx.req.headers.get("k3s-node-name") ?? "").toLowerCase();
  if (!name) throw badRequest("node name not set");
  const password = ctx.req.headers.get("k3s-node-password") ?? "";
  if (!password) throw badRequest("node password not set");
  const identity = NODE_USER.exec(ctx.user.name);
  if (identity && ctx.user.groups.includes("system:nodes")) {
    if (identity[1] !== name) throw badRequest("header node name does not match auth node name");
    if (!await opts.lookup.get(NODES, "", name)) {
      throw unauthorized(`unable to verify node identity: nodes "${name}" not found`);
    }
  }
  await ensureNodePassword(opts.registry.store("", "secrets"), name, password);
  return name;
}

function nodeIps(ctx: RequestContext): string[] {
  const header = ctx.req.headers.get("k3s-node-ip");
  if (!header) return [];
  const ips = header.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const ip of ips) if (!isIP(ip)) throw badRequest(`invalid node IP address ${ip}`);
  return ips;
}

function getOnly(handle: (ctx: RequestContext) => Promise<Response> | Response) {
  return (ctx: RequestContext) => {
    if (ctx.req.method !== "GET" && ctx.req.method !== "HEAD") {
      throw methodNotSupported({ group: "", resource: ctx.url.pathname }, ctx.info.verb);
    }
    return handle(ctx);
  };
}

export function joinApiRoutes(opts: JoinApiOptions): Route[] {
  const { pki } = opts;
  const keyOf = (path: string) => readFile(path, "utf8");
  const issue = async (
    ca: { certPem: string; keyPem: string },
    keyPem: string,
    spec: {
      commonName: string;
      organizations?: string[];
      sans?: string[];
      usage: "client" | "server";
    },
  ) => {
    const made = await signCertificate({
      ca: { certPem: first(ca.certPem), keyPem: ca.keyPem },
      keyPem,
      ...spec,
    });
    return text(made.certPem + ca.certPem + made.keyPem);
  };
  const route = (path: string, handle: Route["handle"]): Route => ({
    path: JOIN_API_PREFIX + path,
    handle: getOnly(handle),
  });
  return [
    route("serving-kubelet.crt", async (ctx) => {
      const name = await nodeAuth(ctx, opts);
      return await issue(pki.serverCa, await keyOf(pki.kubeletKeys.servingKeyPath), {
        commonName: name,
        sans: [name, "localhost", "127.0.0.1", ...nodeIps(ctx)],
        usage: "server",
      });
    }),
    route("client-kubelet.crt", async (ctx) => {
      const name = await nodeAuth(ctx, opts);
      return await issue(pki.clientCa, await keyOf(pki.kubeletKeys.clientKeyPath), {
        commonName: `system:node:${name}`,
        organizations: ["system:nodes"],
        usage: "client",
      });
    }),
    route("client-kube-proxy.crt", () =>
      issue(pki.clientCa, pki.clients.kubeProxy.keyPem, {
        commonName: "system:kube-proxy",
        usage: "client",
      })),
    route("client-k3s-controller.crt", () =>
      issue(pki.clientCa, pki.clients.k3sController.keyPem, {
        commonName: "system:k3s-controller",
        usage: "client",
      })),
    route("client-ca.crt", () => text(pki.clientCa.certPem)),
    route("server-ca.crt", () => text(pki.serverCa.certPem)),
    route("config", () => json(agentConfig(opts.config))),
    route("apiservers", async () => json(await apiServers(opts))),
    route("readyz", () => {
      if (!opts.ready()) throw new StatusError(503, "ServiceUnavailable", "runtime core not ready");
      return text("ok");
    }),
  ];
}

/** `ip:port` of every API server, from the `default/kubernetes` endpoints (the watch cache). */
async function apiServers(opts: JoinApiOptions): Promise<string[]> {
  const ep = await opts.lookup.get({ group: "", plural: "endpoints" }, "default", "kubernetes");
  const out = new Set<string>();
  for (const subset of (ep?.subsets ?? []) as Record<string, unknown>[]) {
    const ports = (subset.ports ?? []) as { name?: string; port?: number }[];
    const port = ports.find((p) => p.name === "https")?.port ?? ports[0]?.port;
    if (!port) continue;
    for (const a of (subset.addresses ?? []) as { ip?: string }[]) {
      if (a.ip) out.add(isIP(a.ip) === 6 ? `[${a.ip}]:${port}` : `${a.ip}:${port}`);
    }
  }
  return out.size ? [...out] : [opts.selfAddress];
}

/**
 * The authorizer of the join API, asked before RBAC: members of {@link JOIN_API_ROLES} may
 * `get` `/v1-k3s/...`, and a join-token user (`k3s:agent`, `k3s:server`) may do nothing else.
 * The join token is a cluster secret many machines hold; confining it here means it can never
 * be used against the Kubernetes API itself, whatever RBAC bindings exist.
 */
export function supervisorAuthorizer(): ChainMember {
  return {
    authorize(user, info): Promise<ChainDecision> {
      const inRole = user.groups.some((g) => JOIN_API_ROLES.includes(g));
      if (!info.isResourceRequest && info.path.startsWith(JOIN_API_PREFIX) && inRole) {
        return Promise.resolve({ allowed: true });
      }
      if (user.groups.some((g) => JOIN_TOKEN_GROUPS.includes(g))) {
        return Promise.resolve({
          allowed: false,
          denied: true,
          reason: "the join token is valid only for the K3s supervisor API",
        });
      }
      return Promise.resolve({ allowed: false });
    },
  };
}
