/**
 * The kubelet's HTTPS API on port 10250 (upstream's `pkg/kubelet/server`): `/healthz`, `/pods`,
 * `/containerLogs/<ns>/<pod>/<container>`, and the streaming endpoints `/exec`, `/attach`,
 * `/portForward` (and `/run`). Clients authenticate with a certificate of the cluster's client
 * CA or a bearer token, and are authorized with SubjectAccessReviews on `nodes/<subresource>`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Duplex } from "node:stream";
import type { KubeClient } from "../../../kube/client/client.ts";
import type { Logger } from "../../../kube/client/log.ts";
import type { Pod } from "../../../kube/client/types.ts";
import type { RuntimeService } from "../../../cri/service.ts";
import type { RuntimeView } from "../runtime_pod.ts";
import { KubeletAuth, type KubeletUser } from "./auth.ts";
import { HttpError, refuseUpgrade, respondError, statusOf } from "./errors.ts";
import { logOptionsFrom, readLogs } from "./logs.ts";
import { StreamingHandler } from "./streaming.ts";

export interface KubeletServerTls {
  certPem: string;
  keyPem: string;
  /** Client certificates must chain to this CA. */
  clientCaPem: string;
}

export interface KubeletServerOptions {
  port: number;
  /** Listen address; default all. */
  host?: string;
  tls: KubeletServerTls;
  client: KubeClient;
  runtime: RuntimeService;
  nodeName: string;
  pods: () => Pod[];
  view: RuntimeView;
  podLogs: string;
  log: Logger;
}

export class KubeletServer {
  readonly #o: KubeletServerOptions;
  readonly #auth: KubeletAuth;
  readonly #streaming: StreamingHandler;
  #server: Server | undefined;
  #port = 0;

  constructor(options: KubeletServerOptions) {
    this.#o = options;
    this.#auth = new KubeletAuth(options.client, options.nodeName);
    this.#streaming = new StreamingHandler({
      runtime: options.runtime,
      view: options.view,
      findPod: (ns, name, uid) => this.#findPod(ns, name, uid),
      log: options.log,
    });
  }

  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    const server = createServer({
      cert: this.#o.tls.certPem,
      key: this.#o.tls.keyPem,
      ca: this.#o.tls.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
    }, (req, res) => void this.#handle(req, res));
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Uint8Array) => {
      void this.#upgrade(req, socket, head);
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#o.port, this.#o.host ?? "0.0.0.0", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#server = server;
    this.#port = (server.address() as { port: number }).port;
    this.#o.log.info(`kubelet API listening on ${this.#o.host ?? "0.0.0.0"}:${this.#port}`);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#streaming.closeAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  }

  async #check(req: IncomingMessage, url: URL): Promise<KubeletUser> {
    const user = await this.#auth.authenticate(req);
    if (!user) throw new HttpError(401, "Unauthorized");
    const decision = await this.#auth.authorize(user, req.method ?? "GET", url.pathname);
    if (!decision.allowed) throw new HttpError(403, decision.reason);
    return user;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet");
    try {
      await this.#check(req, url);
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      switch (parts[0]) {
        case "healthz":
          return text(res, 200, "ok");
        case "pods":
          return json(res, 200, {
            kind: "PodList",
            apiVersion: "v1",
            metadata: {},
            items: this.#o.pods(),
          });
        case "containerLogs":
          return await this.#containerLogs(req, res, url, parts);
        case "exec":
        case "attach":
        case "portForward":
        case "run":
          return await this.#streaming.handleRequest(req, res, url, parts);
      }
      throw new HttpError(404, "404 page not found");
    } catch (error) {
      if (statusOf(error) === 500) {
        this.#o.log.warn(`kubelet API ${url.pathname}: ${(error as Error).message}`);
      }
      respondError(res, error);
    }
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Uint8Array): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet");
    try {
      await this.#check(req, url);
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if (!["exec", "attach", "portForward"].includes(parts[0])) {
        throw new HttpError(404, "404 page not found");
      }
      await this.#streaming.handleUpgrade(req, socket, head, url, parts);
    } catch (error) {
      refuseUpgrade(socket, error);
    }
  }

  #findPod(namespace: string, name: string, uid?: string): Pod {
    const pod = this.#o.pods().find((p) =>
      p.metadata.namespace === namespace && p.metadata.name === name &&
      (!uid || p.metadata.uid === uid)
    );
    if (!pod) throw new HttpError(404, `pod ${namespace}/${name} not found`);
    return pod;
  }

  async #containerLogs(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]) {
    const [, ns, podName, containerName] = parts;
    if (!ns || !podName) {
      throw new HttpError(400, "Cannot read logs: the path needs a namespace and a pod");
    }
    const pod = this.#findPod(ns, podName);
    const all = [
      ...(pod.spec?.initContainers ?? []),
      ...(pod.spec?.containers ?? []),
      ...((pod.spec?.ephemeralContainers ?? []) as { name: string }[]),
    ];
    const name = containerName ??
      (pod.spec?.containers.length === 1 ? pod.spec.containers[0].name : undefined);
    if (!name || !all.some((c) => c.name === name)) {
      throw new HttpError(400, `container ${name ?? ""} is not valid for pod ${podName}`);
    }
    let options;
    try {
      options = logOptionsFrom(url.searchParams);
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
    const previous = ["true", "1"].includes(url.searchParams.get("previous") ?? "");
    const runtime = await this.#o.view.pod(pod.metadata.uid!);
    const instances = runtime.containers.filter((c) => c.name === name);
    const chosen = previous ? instances[1] : instances[0];
    if (!chosen) {
      if (previous) {
        throw new HttpError(
          400,
          `previous terminated container "${name}" in pod "${podName}" not found`,
        );
      }
      throw new HttpError(400, waitingMessage(pod, name));
    }
    res.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
    const abort = new AbortController();
    req.on("close", () => abort.abort());
    const stillRunning = async () => {
      const now = await this.#o.view.pod(pod.metadata.uid!);
      return now.containers.find((c) => c.id === chosen.id)?.state === "CONTAINER_RUNNING";
    };
    try {
      await readLogs(
        chosen.logPath,
        options,
        (chunk) =>
          new Promise<void>((resolve) => {
            if (res.write(chunk)) resolve();
            else res.once("drain", () => resolve());
          }),
        stillRunning,
        abort.signal,
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    res.end();
  }
}

/** Why a container has no log yet, in the kubelet's words for the common cases. */
export function waitingMessage(pod: Pod, container: string): string {
  type Status = { name: string; state?: { waiting?: { reason?: string } } };
  const statuses = [
    ...((pod.status?.initContainerStatuses ?? []) as Status[]),
    ...((pod.status?.containerStatuses ?? []) as Status[]),
  ];
  const reason = statuses.find((s) => s.name === container)?.state?.waiting?.reason ??
    "ContainerCreating";
  const why = reason === "ErrImagePull"
    ? "image can't be pulled"
    : reason === "ImagePullBackOff"
    ? "trying and failing to pull image"
    : reason;
  return `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}`;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
