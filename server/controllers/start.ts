/**
 * Starting the controller manager inside `k3s server`: a client with the
 * `system:kube-controller-manager` certificate for the lease, the shared informers and the
 * service account tokens, and one service-account client per controller.
 *
 * @module
 */
import { consoleLogger, KubeClient, type Transport } from "../../kube/client/mod.ts";
import { KUBERNETES_VERSION } from "../../kube/version.ts";
import { type WorkloadControllerOptions, workloadControllers } from "./controllers.ts";
import { coreControllers } from "./core/mod.ts";
import { ServiceAccountClients } from "./credentials.ts";
import { ControllerManager } from "./framework/mod.ts";

/** What the server hands the controller manager. */
export interface StartControllerManagerOptions {
  /** The API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  caPem: string;
  /** The `client-controller` certificate and key. */
  certPem: string;
  keyPem: string;
  /** How the manager's own requests reach the server (default: HTTPS with the certificate). */
  transport?: Transport;
  /** How the controllers' service account requests reach it (default: HTTPS). */
  accountTransport?: Transport;
  /** Controller names not to run. */
  disabled?: readonly string[];
  /** Settings of individual controllers. */
  controllers?: WorkloadControllerOptions;
  /** `--cluster-cidr`: the pod ranges node IPAM hands out. */
  clusterCidr?: readonly string[];
  debug?: boolean;
}

/** A running controller manager. */
export interface RunningControllerManager {
  manager: ControllerManager;
  stop(): Promise<void>;
}

/** Starts the controller manager in the background; `stop()` ends it (releasing its Lease). */
export function startControllerManager(
  options: StartControllerManagerOptions,
): RunningControllerManager {
  const log = consoleLogger("kube-controller-manager", { debug: options.debug });
  const userAgent = `kube-controller-manager/${KUBERNETES_VERSION}`;
  const root = new KubeClient({
    server: options.server,
    caPem: options.caPem,
    certPem: options.certPem,
    keyPem: options.keyPem,
    userAgent,
  }, options.transport);
  const accounts = new ServiceAccountClients({
    root,
    transport: options.accountTransport,
    server: { server: options.server, caPem: options.caPem, userAgent },
    log,
  });
  const manager = new ControllerManager({
    client: root,
    controllers: [
      ...workloadControllers(accounts, options.controllers),
      ...coreControllers({
        clients: accounts,
        caPem: options.caPem,
        clusterCidr: options.clusterCidr,
      }),
    ],
    disabled: options.disabled,
    log,
  });
  const ac = new AbortController();
  const running = manager.run(ac.signal).catch((err) =>
    log.error(`stopped: ${(err as Error).stack ?? err}`)
  );
  return {
    manager,
    async stop() {
      ac.abort();
      await running;
      accounts.close();
      root.close();
    },
  };
}
