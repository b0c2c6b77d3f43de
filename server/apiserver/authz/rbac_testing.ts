/**
 * An in-process API server with RBAC over real SQLite, for handler tests that send plain
 * `Request`s as any user: the bootstrap policy reconciled, aggregation running.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../../datastore/sqlite/mod.ts";
import { ApiServer } from "../app.ts";
import { Cacher, jsonCodec } from "../cacher.ts";
import { Registry } from "../registry.ts";
import type { UserInfo } from "../resource.ts";
import { TEST_DEFS } from "../testing.ts";
import { RbacAuthorization } from "./rbac_server.ts";

export const ADMIN_USER: UserInfo = { name: "system:admin", groups: ["system:masters"] };

export interface RbacTestServer {
  api: ApiServer;
  rbac: RbacAuthorization;
  registry: Registry;
  /** Sends a request as `user` (a verified client certificate); objects are sent as JSON. */
  call(
    user: UserInfo,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Like call(), resolving to the status and the parsed JSON body. */
  json(
    user: UserInfo,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** `settle: false` returns as soon as the bootstrap does, without waiting for aggregation. */
export async function rbacTestServer(
  options: { settle?: boolean } = {},
): Promise<RbacTestServer> {
  const dir = await mkdtemp(join(tmpdir(), "rbac-test-"));
  const backend = new SqliteBackend({ path: join(dir, "state.db") });
  await backend.start();
  const cacher = new Cacher(backend, jsonCodec);
  await cacher.start();
  const registry = new Registry({ backend, cacher, codec: jsonCodec });
  const rbac = new RbacAuthorization({ log: () => {} });
  for (const d of [...TEST_DEFS, ...rbac.resources()]) registry.add(d);
  await rbac.start(registry);
  const api = new ApiServer({
    registry,
    authenticators: [],
    authorizer: rbac.authorizer,
    admission: [],
    routes: [],
    serverAddress: "127.0.0.1:6443",
  });
  const call: RbacTestServer["call"] = (user, method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    return api.handle(new Request(`https://127.0.0.1:6443${path}`, init), {
      certUser: user,
      remoteAddr: "127.0.0.1",
    });
  };
  for (const name of ["default", "kube-system", "kube-public", "a", "b"]) {
    await call(ADMIN_USER, "POST", "/api/v1/namespaces", { metadata: { name } });
  }
  await rbac.bootstrap(registry);
  if (options.settle !== false) await rbac.settled();
  return {
    api,
    rbac,
    registry,
    call,
    async json(user, method, path, body, headers) {
      const res = await call(user, method, path, body, headers);
      return { status: res.status, body: await res.json() };
    },
    async close() {
      rbac.stop();
      await cacher.close();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
