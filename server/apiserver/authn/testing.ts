/**
 * An in-process API server with the core resources, RBAC, authentication, TokenRequest and the
 * supervisor's join API over real SQLite and a real PKI in a temporary folder, for handler tests
 * that send plain `Request`s with bearer tokens, basic auth or a (verified) certificate user.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../../datastore/sqlite/mod.ts";
import { loadOrCreatePki, loadOrCreateTokens, type Pki, type ServerTokens } from "../../pki/mod.ts";
import { supervisorAuthorizer, supervisorRoutes } from "../../supervisor/mod.ts";
import { ApiServer } from "../app.ts";
import { RbacAuthorization } from "../authz/rbac_server.ts";
import { Cacher, jsonCodec } from "../cacher.ts";
import { Registry } from "../registry.ts";
import type { UserInfo } from "../resource.ts";
import { coreResources } from "../resources/core/mod.ts";
import { fakeDeps } from "../resources/core/testing.ts";
import { Authentication, authnSettings, cacheLookup } from "./mod.ts";

export const ADMIN: UserInfo = { name: "system:admin", groups: ["system:masters"] };

export interface CallOptions {
  /** A user the TLS layer verified; omit to send only what `headers` carry. */
  cert?: UserInfo;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AuthnTestServer {
  api: ApiServer;
  registry: Registry;
  authn: Authentication;
  pki: Pki;
  tokens: ServerTokens;
  call(method: string, path: string, opts?: CallOptions): Promise<Response>;
  /** Like call(), with the status and parsed JSON body. */
  json(
    method: string,
    path: string,
    opts?: CallOptions,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Resolves once the watch caches and the legacy token controller caught up. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function authnTestServer(kubeApiserverArgs: string[] = []): Promise<AuthnTestServer> {
  const dir = await mkdtemp(join(tmpdir(), "authn-test-"));
  const pki = await loadOrCreatePki({
    dataDir: dir,
    nodeIps: ["127.0.0.1"],
    tlsSans: [],
    serviceCidr: "10.43.0.0/16",
    clusterDomain: "cluster.local",
    hostname: "test-host",
  });
  const tokens = await loadOrCreateTokens({ dataDir: dir, serverCaPem: pki.serverCa.certPem });
  const backend = new SqliteBackend({ path: join(dir, "state.db") });
  await backend.start();
  const cacher = new Cacher(backend, jsonCodec);
  await cacher.start();
  const registry = new Registry({ backend, cacher, codec: jsonCodec });
  const rbac = new RbacAuthorization({ before: [supervisorAuthorizer()], log: () => {} });
  for (const d of [...coreResources(fakeDeps()), ...rbac.resources()]) registry.add(d);
  await rbac.start(registry);
  const lookup = cacheLookup(registry, cacher);
  const authn = new Authentication({
    registry,
    lookup,
    serviceAccountKey: pki.serviceAccount,
    settings: authnSettings(kubeApiserverArgs, "cluster.local"),
    caPem: pki.serverCa.certPem,
    joinSecrets: { serverSecret: tokens.serverSecret, agentSecret: tokens.agentSecret },
    log: () => {},
  });
  for (const d of authn.resources()) registry.add(d);
  const api = new ApiServer({
    registry,
    authenticators: authn.authenticators,
    authorizer: rbac.authorizer,
    admission: [],
    routes: supervisorRoutes({
      serverCaPem: pki.serverCa.certPem,
      join: {
        pki,
        registry,
        lookup,
        selfAddress: "127.0.0.1:6443",
        ready: () => true,
        config: {
          clusterCidrs: ["10.42.0.0/16"],
          serviceCidrs: ["10.43.0.0/16"],
          clusterDomain: "cluster.local",
          httpsPort: 6443,
          advertiseIp: "127.0.0.1",
          nodePortRange: [30000, 32767],
          disabled: [],
          disableScheduler: false,
          serverNodeName: "test-host",
          dataDir: join(dir, "server"),
        },
      },
    }),
    subresources: authn.subresources(),
    serverAddress: "127.0.0.1:6443",
  });
  const call: AuthnTestServer["call"] = (method, path, opts = {}) => {
    const init: RequestInit = { method, headers: { ...opts.headers } };
    if (opts.body !== undefined) {
      init.body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    return api.handle(new Request(`https://127.0.0.1:6443${path}`, init), {
      certUser: opts.cert ?? null,
      remoteAddr: "127.0.0.1",
    });
  };
  for (const name of ["default", "kube-system", "kube-public"]) {
    await call("POST", "/api/v1/namespaces", { cert: ADMIN, body: { metadata: { name } } });
  }
  await rbac.bootstrap(registry);
  await rbac.settled();
  await authn.start();
  return {
    api,
    registry,
    authn,
    pki,
    tokens,
    call,
    async json(method, path, opts) {
      const res = await call(method, path, opts);
      return { status: res.status, body: await res.json() };
    },
    async settled() {
      await cacher.sync();
      await authn.settled();
      await cacher.sync();
    },
    async close() {
      authn.stop();
      rbac.stop();
      await cacher.close();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
