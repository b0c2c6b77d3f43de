/**
 * An in-process API server over a real SQLite datastore in a temporary folder, for handler tests
 * that send plain `Request`s.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../datastore/sqlite/mod.ts";
import { namespaceLifecycle } from "./admission/namespace_lifecycle.ts";
import { ApiServer, type ConnInfo } from "./app.ts";
import { mastersAuthorizer } from "./authz/masters.ts";
import { Cacher, type CacherOptions, jsonCodec } from "./cacher.ts";
import { Registry } from "./registry.ts";
import type { ResourceDef } from "./resource.ts";

export const ADMIN: ConnInfo = {
  certUser: { name: "system:admin", groups: ["system:masters", "system:authenticated"] },
  remoteAddr: "127.0.0.1",
};

/** Minimal namespaces and configmaps, enough to exercise the generic machinery. */
export const TEST_DEFS: ResourceDef[] = [
  {
    group: "",
    versions: ["v1"],
    kind: "Namespace",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    nameIsLabel: true,
  },
  {
    group: "",
    versions: ["v1"],
    kind: "ConfigMap",
    plural: "configmaps",
    singular: "configmap",
    namespaced: true,
    shortNames: ["cm"],
    columns: [{
      name: "Data",
      type: "integer",
      cell: (o) => Object.keys((o.data ?? {}) as object).length,
    }],
  },
];

export interface TestServer {
  api: ApiServer;
  /** Sends a request as the admin; `body` objects are sent as JSON. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function testServer(
  defs: ResourceDef[] = TEST_DEFS,
  options: { cacher?: CacherOptions } = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "apiserver-test-"));
  const backend = new SqliteBackend({ path: join(dir, "state.db") });
  await backend.start();
  const cacher = new Cacher(backend, jsonCodec, options.cacher);
  await cacher.start();
  const registry = new Registry({ backend, cacher, codec: jsonCodec });
  for (const d of defs) registry.add(d);
  const api = new ApiServer({
    registry,
    authenticators: [],
    authorizer: mastersAuthorizer,
    admission: [namespaceLifecycle(registry)],
    routes: [],
    serverAddress: "127.0.0.1:6443",
  });
  const server: TestServer = {
    api,
    call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] ??= "application/json";
      }
      return api.handle(new Request(`https://127.0.0.1:6443${path}`, init), ADMIN);
    },
    async close() {
      await cacher.close();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (const name of ["default", "kube-system"]) {
    if (defs.some((d) => d.plural === "namespaces")) {
      await server.call("POST", "/api/v1/namespaces", { metadata: { name } });
    }
  }
  return server;
}
