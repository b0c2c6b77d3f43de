/**
 * A throwaway plain-HTTP API server that real `kubectl` can talk to: just enough discovery for
 * `create configmap|secret|deployment|service|token` and `auth can-i`, and it records every
 * request body. Used by `kubectl_test.ts` and by `capture.ts`, which refreshes the fixtures.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeKubeProtobuf } from "../mod.ts";
import { POD } from "./objects.ts";

/** One request kubectl sent with a body. */
export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Uint8Array;
}

/** A running fake server. */
export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  /** Writes a kubeconfig for this server to `path`. */
  writeKubeconfig(path: string): Promise<void>;
  close(): Promise<void>;
}

/** groupVersion → [resource, kind, namespaced, verbs?][]: all the discovery kubectl needs. */
const RESOURCES: Record<string, [string, string, boolean, string[]?][]> = {
  "v1": [
    ["configmaps", "ConfigMap", true],
    ["secrets", "Secret", true],
    ["services", "Service", true],
    ["pods", "Pod", true],
    ["namespaces", "Namespace", false],
    ["resourcequotas", "ResourceQuota", true],
    ["serviceaccounts", "ServiceAccount", true],
    ["serviceaccounts/token", "TokenRequest", true, ["create"]],
  ],
  "apps/v1": [["deployments", "Deployment", true]],
  "batch/v1": [["jobs", "Job", true], ["cronjobs", "CronJob", true]],
  "networking.k8s.io/v1": [["ingresses", "Ingress", true]],
  "policy/v1": [["poddisruptionbudgets", "PodDisruptionBudget", true]],
  "rbac.authorization.k8s.io/v1": [
    ["clusterroles", "ClusterRole", false],
    ["rolebindings", "RoleBinding", true],
  ],
  "scheduling.k8s.io/v1": [["priorityclasses", "PriorityClass", false]],
  "authentication.k8s.io/v1": [["tokenreviews", "TokenReview", false, ["create"]]],
  "authorization.k8s.io/v1": [
    ["selfsubjectaccessreviews", "SelfSubjectAccessReview", false, ["create"]],
  ],
};
const CRUD = ["create", "delete", "get", "list", "patch", "update", "watch"];

function discovery(): Record<string, unknown> {
  const docs: Record<string, unknown> = {
    "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
    "/version": { major: "1", minor: "35", gitVersion: "v1.35.0", platform: "linux/amd64" },
  };
  const groups = [];
  for (const [gv, list] of Object.entries(RESOURCES)) {
    const [group, version] = gv.includes("/") ? gv.split("/") : ["", gv];
    if (group) {
      groups.push({
        name: group,
        versions: [{ groupVersion: gv, version }],
        preferredVersion: { groupVersion: gv, version },
      });
    }
    docs[group ? `/apis/${gv}` : `/api/${gv}`] = {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: gv,
      resources: list.map(([name, kind, namespaced, verbs = CRUD]) => ({
        name,
        singularName: name.includes("/") ? "" : kind.toLowerCase(),
        namespaced,
        kind,
        verbs,
        ...(kind === "TokenRequest" ? { group: "authentication.k8s.io", version: "v1" } : {}),
      })),
    };
  }
  docs["/apis"] = { kind: "APIGroupList", apiVersion: "v1", groups };
  return docs;
}

const DISCOVERY = discovery();

/**
 * A CronJob whose pod template is the full `POD.spec`: `kubectl create job --from=cronjob/rich`
 * copies it into a Job and sends that as protobuf, so kubectl itself encodes a rich PodSpec.
 */
export const RICH_CRONJOB = {
  kind: "CronJob",
  apiVersion: "batch/v1",
  metadata: { name: "rich", namespace: "default", uid: "c0000000-0000-4000-8000-000000000001" },
  spec: {
    schedule: "0 3 * * *",
    jobTemplate: {
      metadata: { labels: { app: "web" }, annotations: { note: "from cronjob" } },
      spec: {
        backoffLimit: 0,
        template: { metadata: { labels: { app: "web" } }, spec: POD.spec },
      },
    },
  },
};

const OBJECTS: Record<string, unknown> = {
  "/apis/batch/v1/namespaces/default/cronjobs/rich": RICH_CRONJOB,
};

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** The reply to a POST: the decoded object, completed as a real server would. */
function reply(obj: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(obj);
  const meta = (out.metadata ??= {}) as Record<string, unknown>;
  meta.uid ??= "00000000-0000-0000-0000-000000000001";
  meta.resourceVersion ??= "1";
  meta.creationTimestamp ??= "2026-01-01T00:00:00Z";
  if (out.kind === "SelfSubjectAccessReview") out.status = { allowed: true };
  if (out.kind === "TokenRequest") {
    out.status = { token: "fake-token", expirationTimestamp: "2026-01-01T01:00:00Z" };
  }
  return out;
}

async function handle(req: IncomingMessage, res: ServerResponse, log: RecordedRequest[]) {
  const chunks: Uint8Array[] = [];
  for await (const c of req) chunks.push(c as Uint8Array);
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  const path = (req.url ?? "/").split("?")[0];
  const contentType = req.headers["content-type"] ?? "";
  if (req.method === "GET") {
    const doc = DISCOVERY[path] ?? OBJECTS[path];
    return doc ? send(res, 200, doc) : send(res, 404, { kind: "Status", code: 404 });
  }
  log.push({ method: req.method ?? "", path, contentType, body });
  if (req.method === "DELETE") {
    return send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success", code: 200 });
  }
  if (!contentType.startsWith("application/vnd.kubernetes.protobuf")) {
    return send(res, 201, reply(JSON.parse(new TextDecoder().decode(body))));
  }
  try {
    send(res, 201, reply(decodeKubeProtobuf(body)));
  } catch (e) {
    send(res, 400, { kind: "Status", apiVersion: "v1", status: "Failure", message: String(e) });
  }
}

/** Starts the server on a random loopback port. */
export async function startFakeApiServer(): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res, requests).catch((e) => send(res, 500, { message: String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    writeKubeconfig: (path) =>
      Deno.writeTextFile(
        path,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "fake", cluster: { server: url } }],
          users: [{ name: "fake", user: {} }],
          contexts: [{
            name: "fake",
            context: { cluster: "fake", user: "fake", namespace: "default" },
          }],
          "current-context": "fake",
        }),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
