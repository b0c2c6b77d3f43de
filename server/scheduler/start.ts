/**
 * Starting the scheduler inside `k3s server`: a client of its own with the
 * `system:kube-scheduler` certificate, talking to the local API server like any other client.
 *
 * @module
 */
import { consoleLogger, KubeClient, type Transport } from "../../kube/client/mod.ts";
import { KUBERNETES_VERSION } from "../../kube/version.ts";
import { Scheduler } from "./scheduler.ts";

/** What the server hands the scheduler. */
export interface StartSchedulerOptions {
  /** The API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  caPem: string;
  /** The `client-scheduler` certificate and key. */
  certPem: string;
  keyPem: string;
  /** How requests reach the server (default: HTTPS to `server` with the certificate). */
  transport?: Transport;
  debug?: boolean;
}

/** A running scheduler. */
export interface RunningScheduler {
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Starts the scheduler in the background; `stop()` ends it (releasing its Lease). */
export function startScheduler(options: StartSchedulerOptions): RunningScheduler {
  const log = consoleLogger("scheduler", { debug: options.debug });
  const client = new KubeClient({
    server: options.server,
    caPem: options.caPem,
    certPem: options.certPem,
    keyPem: options.keyPem,
    userAgent: `kube-scheduler/${KUBERNETES_VERSION}`,
  }, options.transport);
  const scheduler = new Scheduler({ client, log });
  const ac = new AbortController();
  const running = scheduler.run(ac.signal).catch((err) =>
    log.error(`stopped: ${(err as Error).stack ?? err}`)
  );
  return {
    scheduler,
    async stop() {
      ac.abort();
      await running;
      client.close();
    },
  };
}
