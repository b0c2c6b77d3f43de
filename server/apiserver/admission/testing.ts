/**
 * Test helpers for admission: an in-process API server over SQLite with every built-in
 * resource (plus extra definitions, such as webhook configurations) and the full admission
 * chain, and a loopback HTTPS webhook server with its own CA.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../../datastore/sqlite/mod.ts";
import { createCa, signCertificate } from "../../pki/mod.ts";
import { ApiServer } from "../app.ts";
import { mastersAuthorizer } from "../authz/masters.ts";
import { Cacher, jsonCodec } from "../cacher.ts";
import { Registry } from "../registry.ts";
import type { ResourceDef } from "../resource.ts";
import { builtinResources } from "../resources/mod.ts";
import { fakeDeps } from "../resources/core/testing.ts";
import { ensureSystemPriorityClasses } from "../resources/scheduling/bootstrap.ts";
import { ADMIN } from "../testing.ts";
import { type AdmissionOptions, admissionPlugins } from "./mod.ts";

export interface AdmissionTestServer {
  api: ApiServer;
  registry: Registry;
  /** Sends a request as the admin; objects are sent as JSON. */
  call(method: string, path: string, body?: unknown): Promise<Response>;
  /** Like call(), but fails unless the answer is 2xx; returns the parsed body. */
  ok(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Creates a namespace (with labels) and its `default` service account. */
  namespace(name: string, labels?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Minimal webhook configuration resources, for when the real ones are not registered. */
export const WEBHOOK_CONFIG_DEFS: ResourceDef[] = ["Mutating", "Validating"].map((k) => ({
  group: "admissionregistration.k8s.io",
  versions: ["v1"],
  kind: `${k}WebhookConfiguration`,
  plural: `${k.toLowerCase()}webhookconfigurations`,
  singular: `${k.toLowerCase()}webhookconfiguration`,
  namespaced: false,
}));

export async function admissionTestServer(
  opts: AdmissionOptions & { extraDefs?: ResourceDef[] } = {},
): Promise<AdmissionTestServer> {
  const dir = await mkdtemp(join(tmpdir(), "admission-test-"));
  const backend = new SqliteBackend({ path: join(dir, "state.db") });
  await backend.start();
  const cacher = new Cacher(backend, jsonCodec);
  await cacher.start();
  const registry = new Registry({ backend, cacher, codec: jsonCodec });
  for (const def of builtinResources(fakeDeps())) registry.add(def);
  for (const def of opts.extraDefs ?? []) {
    if (!registry.all().some((s) => s.def.group === def.group && s.def.plural === def.plural)) {
      registry.add(def);
    }
  }
  // As the server does at start.
  await ensureSystemPriorityClasses(registry);
  const api = new ApiServer({
    registry,
    authenticators: [],
    authorizer: mastersAuthorizer,
    admission: admissionPlugins(registry, {
      serviceAccount: { retryDelayMs: 1, ...opts.serviceAccount },
      podSecurity: opts.podSecurity,
    }),
    routes: [],
    serverAddress: "127.0.0.1:6443",
  });
  const call = (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: {} };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    return api.handle(new Request(`https://127.0.0.1:6443${path}`, init), ADMIN);
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    const text = await res.text();
    if (res.status < 200 || res.status > 299) {
      throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    }
    return JSON.parse(text);
  };
  const server: AdmissionTestServer = {
    api,
    registry,
    call,
    ok,
    async namespace(name, labels) {
      await ok("POST", "/api/v1/namespaces", { metadata: { name, labels } });
      await ok("POST", `/api/v1/namespaces/${name}/serviceaccounts`, {
        metadata: { name: "default" },
      });
    },
    async close() {
      await cacher.close();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** What the test webhook answers: a response (uid is filled in), or "hang" to never answer. */
export type WebhookHandler = (request: Record<string, unknown>) => Record<string, unknown> | "hang";

export interface TestWebhookServer {
  url: string;
  /** The CA (PEM, base64) for `clientConfig.caBundle`. */
  caBundle: string;
  /** The AdmissionReview requests received. */
  requests: Record<string, unknown>[];
  handler: WebhookHandler;
  close(): Promise<void>;
}

/** An HTTPS webhook server on 127.0.0.1 with a certificate from its own CA. */
export async function testWebhookServer(handler: WebhookHandler): Promise<TestWebhookServer> {
  const ca = await createCa({ commonName: "webhook-test-ca" });
  const cert = await signCertificate({
    ca,
    commonName: "webhook",
    sans: ["127.0.0.1", "localhost"],
    usage: "server",
  });
  const requests: Record<string, unknown>[] = [];
  const hanging = new Set<() => void>();
  const state: TestWebhookServer = {
    url: "",
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    requests,
    handler,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const request = review.request as Record<string, unknown>;
      requests.push(request);
      const answer = state.handler(request);
      if (answer === "hang") {
        hanging.add(() => res.destroy());
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: { uid: request.uid, ...answer },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  state.url = `https://127.0.0.1:${port}`;
  state.close = async () => {
    for (const end of hanging) end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** A JSON patch as a webhook response carries it. */
export function jsonPatch(ops: unknown[]): { patchType: "JSONPatch"; patch: string } {
  return { patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") };
}
