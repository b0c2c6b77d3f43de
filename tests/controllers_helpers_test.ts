/**
 * Shared pieces of the controller tests (no tests of its own): a cluster of a real server, the
 * simulated kubelet of `tests/sim` for its nodes and an admin client, and a poll with a
 * deadline.
 *
 * @module
 */
import { KubeClient, type Taint } from "../kube/client/mod.ts";
import { type K3sServer, type StartOptions, startServer } from "./harness.ts";
import { SimKubelet } from "./sim/mod.ts";

/** A server with simulated nodes. */
export interface Cluster {
  server: K3sServer;
  client: KubeClient;
  kubelet: SimKubelet;
  close(): Promise<void>;
}

/** Starts a server and `nodes` simulated nodes (`sim-node-0`, …). */
export async function startCluster(
  nodes = 2,
  options: StartOptions & {
    taints?: (i: number, name: string) => Taint[];
    labels?: (i: number, name: string) => Record<string, string>;
  } = {},
): Promise<Cluster> {
  const server = await startServer(options);
  const client = await KubeClient.fromKubeconfig(server.kubeconfig);
  const kubelet = new SimKubelet({
    client,
    nodes,
    taints: options.taints,
    labels: options.labels,
  });
  try {
    await kubelet.start();
  } catch (err) {
    client.close();
    await server.close();
    throw err;
  }
  return {
    server,
    client,
    kubelet,
    async close() {
      await kubelet.stop();
      client.close();
      await server.close();
    },
  };
}

/** Polls `fn` until it returns something other than undefined or false; fails after `ms`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
