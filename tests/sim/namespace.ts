/**
 * Creating a namespace ready for pods: the ServiceAccount admission refuses pods until the
 * namespace's `default` service account exists, which a controller creates just after the
 * namespace, as in upstream clusters.
 *
 * @module
 */
import {
  isNotFound,
  type KubeClient,
  NAMESPACES,
  SERVICE_ACCOUNTS,
} from "../../kube/client/mod.ts";

/** Creates `name` and waits (up to `timeoutMs`) until its `default` service account exists. */
export async function createNamespace(
  client: KubeClient,
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  await client.create(NAMESPACES, { metadata: { name } });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.get(SERVICE_ACCOUNTS, "default", { namespace: name });
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for the default service account of namespace ${name}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
