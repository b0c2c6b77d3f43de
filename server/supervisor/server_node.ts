/**
 * The server's own Node carries the control-plane role labels, set by the server as K3s's
 * `setNodeLabelsAndAnnotations` does: NodeRestriction does not let a kubelet set
 * `node-role.kubernetes.io/*` labels on its Node.
 *
 * @module
 */
import type { KubeObject } from "../../kube/meta.ts";
import type { WriteContext } from "../apiserver/resource.ts";
import type { Store } from "../apiserver/store.ts";

export const CONTROL_PLANE_LABELS: Readonly<Record<string, string>> = {
  "node-role.kubernetes.io/control-plane": "true",
  "node-role.kubernetes.io/master": "true",
};

function missing(node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  return Object.entries(CONTROL_PLANE_LABELS).some(([k, v]) => labels[k] !== v);
}

function writeContext(): WriteContext {
  return {
    user: { name: "system:k3s-supervisor", groups: ["system:masters", "system:authenticated"] },
    namespace: "",
    now: new Date(),
    dryRun: false,
    warn: () => {},
  };
}

/** Labels the Node named `nodeName` whenever it appears without the roles; returns a stop. */
export async function labelServerNode(
  nodes: Store,
  nodeName: string,
  log: (message: string) => void,
): Promise<() => void> {
  let busy = false;
  const label = async () => {
    busy = true;
    try {
      await nodes.guaranteedUpdate(
        "",
        nodeName,
        writeContext(),
        { fieldManager: "k3s-supervisor", apiVersion: "v1" },
        (current) => {
          const node = structuredClone(current.obj);
          node.metadata.labels = { ...node.metadata.labels, ...CONTROL_PLANE_LABELS };
          return node;
        },
      );
    } catch (err) {
      log(`Cannot label node ${nodeName} as control-plane: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  return await nodes.watch(
    "",
    { resourceVersion: "0", filter: (o) => o.metadata.name === nodeName },
    (type, item) => {
      if ((type === "ADDED" || type === "MODIFIED") && item && !busy && missing(item.obj)) {
        void label();
      }
      return true;
    },
  );
}
