/**
 * `k3s server`: the composition root. Builds the datastore, PKI, API server and listener from one
 * config object, bootstraps the system objects, writes the admin kubeconfig, and runs until
 * signalled.
 *
 * @module
 */
import { mkdir, readFile } from "node:fs/promises";
import process from "node:process";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Backend } from "../datastore/backend.ts";
import { openBackend } from "../datastore/mod.ts";
import { buildKubeconfig, writeKubeconfig } from "../kube/kubeconfig.ts";
import { K3S_VERSION, KUBERNETES_VERSION } from "../kube/version.ts";
import { admissionPlugins } from "./apiserver/admission/mod.ts";
import { Aggregator, ensureExtensionAuthConfigMap } from "./apiserver/aggregator/mod.ts";
import { ApiServer } from "./apiserver/app.ts";
import { ApiserverArgs, checkApiserverArgs } from "./apiserver/apiserver_args.ts";
import { auditFromArgs } from "./apiserver/audit/mod.ts";
import { FlowControl, flowControlOptions } from "./apiserver/flowcontrol/mod.ts";
import { Authentication, authnSettings, cacheLookup } from "./apiserver/authn/mod.ts";
import { RbacAuthorization } from "./apiserver/authz/rbac_server.ts";
import { Cacher, jsonCodec } from "./apiserver/cacher.ts";
import { healthRoutes, versionRoute } from "./apiserver/health.ts";
import { listen, type Listener } from "./apiserver/http.ts";
import { certificateUser, type LoopbackHandler, LoopbackTransport } from "./apiserver/loopback.ts";
import { openApiRoutes } from "./apiserver/openapi/mod.ts";
import { Registry } from "./apiserver/registry.ts";
import { CrdController } from "./apiserver/resources/apiextensions/mod.ts";
import { LocalApiServices } from "./apiserver/resources/apiregistration/mod.ts";
import { certificateSubresources } from "./apiserver/resources/certificates/mod.ts";
import { ensureFlowControlBootstrap } from "./apiserver/resources/flowcontrol/mod.ts";
import { ensureSystemPriorityClasses } from "./apiserver/resources/scheduling/mod.ts";
import { builtinResources } from "./apiserver/resources/mod.ts";
import { namespaceSubresources } from "./apiserver/subresources/namespaces.ts";
import { podSubresources } from "./apiserver/subresources/pods.ts";
import { podStreaming } from "./apiserver/subresources/pod_streaming.ts";
import { bootstrapObjects } from "./bootstrap.ts";
import type { ServerRunConfig } from "./config.ts";
import type { RunningScheduler } from "./scheduler/mod.ts";
import { firstIpOf, type IsolatedPki, loadOrCreateTokens, pkiOptions } from "./pki/mod.ts";
import { supervisorAuthorizer, supervisorRoutes, watchNodeDeletions } from "./supervisor/mod.ts";
import { encryptionRoutes, SecretsEncryption } from "./secretsencrypt/mod.ts";
import { transformingCodec } from "./apiserver/transformer.ts";
import { NodeAuthorizer } from "./apiserver/authz/node_authorizer.ts";
import { NodeGraph } from "./apiserver/authz/node_graph.ts";
import { labelServerNode } from "./supervisor/server_node.ts";

/** A running server; `stop()` shuts it down cleanly. */
export interface RunningServer {
  port: number;
  kubeconfigPath: string;
  apiServer: ApiServer;
  backend: Backend;
  stop(): Promise<void>;
}

function log(message: string): void {
  console.log(`${new Date().toISOString()} INFO ${message}`);
}

function warn(message: string): void {
  console.warn(`${new Date().toISOString()} WARN ${message}`);
}

/**
 * Starts every part of the server and resolves once `/readyz` would answer ok. `pkiMade` is the PKI
 * being loaded or made, begun by the caller before this module loaded (`loadOrCreatePkiIsolated`
 * with `pkiOptions(config)`, cli/dispatch.ts); the caller also waits for it when this fails.
 */
export async function startServer(
  config: ServerRunConfig,
  pkiMade: Promise<IsolatedPki>,
): Promise<RunningServer> {
  const started = performance.now();
  const dataDir = config.dataDir;
  const serverDir = join(dataDir, "server");
  for (const d of ["db", "tls", "cred", "manifests"]) {
    await mkdir(join(serverDir, d), { recursive: true });
  }
  // --kube-apiserver-arg: unknown names stop the server, as kube-apiserver's flag parsing does.
  const apiserverArgs = new ApiserverArgs(config.kubeApiserverArg ?? []);
  for (const w of checkApiserverArgs(apiserverArgs)) warn(w);
  const audit = await auditFromArgs(apiserverArgs, warn);
  const flowControl = new FlowControl(flowControlOptions(apiserverArgs));

  const { nodeIps, serviceCidr } = pkiOptions(config);
  // --secrets-encryption: secrets pass through the configured transformer on their way to the
  // datastore; without it the codec is plain JSON, as it always was.
  const encryption = await SecretsEncryption.open({
    dataDir,
    enabled: config.secretsEncryption ?? false,
    nodeName: config.nodeName ?? hostname(),
    log,
  });
  const codec = encryption.enabled
    ? transformingCodec(jsonCodec, (key) => encryption.transformerFor(key))
    : jsonCodec;

  const backend = openBackend({
    endpoint: config.datastoreEndpoint,
    sqlitePath: join(serverDir, "db", "state.db"),
    caFile: config.datastoreCafile,
    certFile: config.datastoreCertfile,
    keyFile: config.datastoreKeyfile,
  });
  await backend.start();
  const cacher = new Cacher(backend, codec);
  await cacher.start();
  const registry = new Registry({ backend, cacher, codec });
  const claims = rangeClaims(backend);
  // Kubelets: the Node authorizer, then RBAC (`--authorization-mode=Node,RBAC`).
  const nodeGraph = new NodeGraph();
  const nodeAuthorizer = new NodeAuthorizer({ graph: nodeGraph, sync: () => cacher.sync() });
  const rbac = new RbacAuthorization({ before: [supervisorAuthorizer(), nodeAuthorizer] });
  for (const def of builtinResources({ serviceCidr, nodePortRange: [30000, 32767], ...claims })) {
    registry.add(def);
  }
  await nodeGraph.start(registry);
  for (const def of rbac.resources()) registry.add(def);
  await rbac.start(registry);
  const crds = new CrdController({
    registry,
    onError: (name, err) => console.error(`crd controller: ${name}: ${err.message}`),
  });
  await crds.start();
  const lookup = cacheLookup(registry, cacher);
  // The PKI was made (on a first start, by a child process: pki/isolated.ts) while the datastore,
  // caches and resources were set up; nothing before authentication needs it.
  const pki = await pkiMade;
  if (pki.written.length) {
    const by = pki.madeByChild ? " (made by a child process)" : "";
    log(`Wrote certificates${by}: ${pki.written.join(", ")}`);
  }
  const tokenText = config.token ??
    (config.tokenFile ? (await readFile(config.tokenFile, "utf8")).trim() : undefined);
  const tokens = await loadOrCreateTokens({
    dataDir,
    serverCaPem: pki.serverCa.certPem,
    token: tokenText,
    agentToken: config.agentToken,
  });
  const authn = new Authentication({
    registry,
    lookup,
    serviceAccountKey: pki.serviceAccount,
    settings: authnSettings(config.kubeApiserverArg ?? [], config.clusterDomain),
    caPem: pki.serverCa.certPem,
    joinSecrets: { serverSecret: tokens.serverSecret, agentSecret: tokens.agentSecret },
  });
  for (const def of authn.resources()) registry.add(def);
  encryption.attach(registry.store("", "secrets"));

  const advertise = config.advertiseAddress ?? nodeIps[0];
  const port = config.httpsListenPort;
  let ready = false;
  // pods/log, exec, attach and portforward, proxied to the kubelets.
  const streaming = podStreaming({
    lookup,
    kubeletClient: { ...pki.clients.kubeApiserver, caPem: pki.serverCa.certPem },
  });
  const aggregator = new Aggregator({ registry, lookup, proxyClient: pki.clients.authProxy });
  const apiServer = new ApiServer({
    registry,
    remote: aggregator,
    audit: audit?.auditor,
    flowControl,
    authenticators: authn.authenticators,
    authorizer: rbac.authorizer,
    admission: admissionPlugins(registry),
    routes: [
      versionRoute(),
      ...openApiRoutes(registry),
      ...healthRoutes([
        { name: "ping", check: () => {} },
        { name: "etcd", check: async () => void await backend.currentRevision() },
        {
          name: "poststarthook/bootstrap-objects",
          check: () => {
            if (!ready) throw new Error("not finished");
          },
        },
      ]),
      ...supervisorRoutes({
        serverCaPem: pki.serverCa.certPem,
        join: {
          pki,
          registry,
          lookup,
          selfAddress: `${advertise}:${port}`,
          ready: () => ready,
          config: {
            clusterCidrs: config.clusterCidr,
            serviceCidrs: config.serviceCidr,
            clusterDns: config.clusterDns,
            clusterDomain: config.clusterDomain,
            httpsPort: port,
            advertiseIp: advertise,
            nodePortRange: [30000, 32767],
            disabled: config.disable ?? [],
            disableScheduler: config.disableScheduler ?? false,
            serverNodeName: config.nodeName ?? hostname(),
            dataDir: serverDir,
          },
        },
      }),
      ...encryptionRoutes(encryption),
    ],
    subresources: {
      ...podSubresources(registry),
      ...streaming.subresources,
      ...namespaceSubresources,
      ...authn.subresources(),
      ...certificateSubresources,
    },
    serverAddress: `${advertise}:${port}`,
  });
  const listener: Listener = await listen(
    {
      host: config.bindAddress ?? "0.0.0.0",
      port,
      certPem: pki.serving.certPem,
      keyPem: pki.serving.keyPem,
      clientCaPem: pki.clientCa.certPem,
    },
    (req, conn, signal) => apiServer.handle(req, conn, signal),
  );
  streaming.attach(listener.server, apiServer);

  await bootstrapObjects(registry, {
    serviceIp: firstIpOf(serviceCidr),
    advertiseAddress: advertise,
    port: listener.port,
  });
  await authn.start();
  const stopNodeWatch = await watchNodeDeletions(
    registry.store("", "nodes"),
    registry.store("", "secrets"),
    (m) => console.error(m),
  );
  // The embedded agent's Node gets its roles from the server, as in K3s.
  const stopServerNode = config.disableAgent ? () => {} : await labelServerNode(
    registry.store("", "nodes"),
    (config.nodeName || hostname()).toLowerCase(),
    (m) => console.error(m),
  );
  await ensureSystemPriorityClasses(registry);
  await ensureFlowControlBootstrap(registry);
  await flowControl.start(registry);
  const apiServices = new LocalApiServices(registry);
  await apiServices.start();
  await ensureExtensionAuthConfigMap(registry, {
    clientCaPem: pki.clientCa.certPem,
    requestHeaderCaPem: pki.requestHeaderCa.certPem,
  });
  aggregator.start();
  const policy = await rbac.bootstrap(registry);
  if (policy.created.length + policy.updated.length + policy.recreated.length) {
    log(
      `Reconciled RBAC bootstrap policy: ${policy.created.length} created, ${policy.updated.length} updated, ${policy.recreated.length} recreated`,
    );
  }
  ready = true;
  // The scheduler and the controllers start once the API is ready (as K3s starts them after the
  // apiserver), so their modules are loaded only now, while /readyz already answers.
  const [{ startScheduler }, { hpaSettings, startControllerManager }] = await Promise.all([
    import("./scheduler/mod.ts"),
    import("./controllers/mod.ts"),
  ]);
  // The scheduler and the controllers reach the API in-process (loopback.ts): no sockets or TLS,
  // but the same authentication, authorization, admission and flow control as any client.
  const handle: LoopbackHandler = (req, conn, signal) => apiServer.handle(req, conn, signal);
  const loopback = (certPem: string | null, agent: string) =>
    new LoopbackTransport(handle, certPem ? certificateUser(certPem) : null, agent);
  // The scheduler is a client like any other, with its own identity and RBAC.
  const scheduler: RunningScheduler | null = config.disableScheduler ? null : startScheduler({
    server: `https://127.0.0.1:${listener.port}`,
    caPem: pki.serverCa.certPem,
    certPem: pki.clients.scheduler.certPem,
    keyPem: pki.clients.scheduler.keyPem,
    transport: loopback(pki.clients.scheduler.certPem, `kube-scheduler/${KUBERNETES_VERSION}`),
    debug: config.debug,
  });
  // So are the controllers: the manager's certificate, then a service account per controller.
  const controllers = startControllerManager({
    server: `https://127.0.0.1:${listener.port}`,
    caPem: pki.serverCa.certPem,
    certPem: pki.clients.controller.certPem,
    keyPem: pki.clients.controller.keyPem,
    transport: loopback(
      pki.clients.controller.certPem,
      `kube-controller-manager/${KUBERNETES_VERSION}`,
    ),
    accountTransport: loopback(null, `kube-controller-manager/${KUBERNETES_VERSION}`),
    clusterCidr: config.clusterCidr,
    controllers: { hpa: hpaSettings(config.kubeControllerManagerArg ?? []) },
    debug: config.debug,
  });

  const kubeconfigPath = config.writeKubeconfig ?? "/etc/rancher/k3s/k3s.yaml";
  await writeKubeconfig(
    kubeconfigPath,
    buildKubeconfig({
      server: `https://127.0.0.1:${listener.port}`,
      caPem: pki.serverCa.certPem,
      certPem: pki.clients.admin.certPem,
      keyPem: pki.clients.admin.keyPem,
    }),
    config.writeKubeconfigMode ?? "0600",
  );
  log(
    `k3s ${K3S_VERSION} API server listening on ${
      config.bindAddress ?? "0.0.0.0"
    }:${listener.port}`,
  );
  log(`Wrote kubeconfig ${kubeconfigPath}`);
  log(`Node token is available at ${tokens.tokenPath}`);
  log(`Server ready in ${Math.round(performance.now() - started)} ms (host ${hostname()})`);

  return {
    port: listener.port,
    kubeconfigPath,
    apiServer,
    backend,
    async stop() {
      await scheduler?.stop();
      await controllers.stop();
      await listener.close();
      await audit?.close();
      flowControl.stop();
      crds.stop();
      await apiServices.stop();
      await aggregator.stop();
      stopNodeWatch();
      stopServerNode();
      authn.stop();
      rbac.stop();
      nodeGraph.stop();
      await cacher.close();
      await backend.close();
    },
  };
}

/** Atomic claims of service IPs and node ports, as create-if-absent keys in the datastore. */
function rangeClaims(backend: Backend) {
  const enc = new TextEncoder();
  const key = (kind: string, id: string) => `/registry/ranges/${kind}/${id}`;
  return {
    async claim(kind: "serviceip" | "nodeport", id: string): Promise<boolean> {
      try {
        await backend.create(key(kind, id), enc.encode("{}"));
        return true;
      } catch (err) {
        if ((err as Error).name === "KeyExistsError") return false;
        throw err;
      }
    },
    async release(kind: "serviceip" | "nodeport", id: string): Promise<void> {
      await backend.delete(key(kind, id), 0);
    },
  };
}

/** Runs `k3s server` until SIGINT or SIGTERM; resolves to the exit code. */
export async function runServer(
  config: ServerRunConfig,
  pki: Promise<IsolatedPki>,
): Promise<number> {
  const server = await startServer(config, pki);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  log("Shutting down");
  await server.stop();
  return 0;
}
