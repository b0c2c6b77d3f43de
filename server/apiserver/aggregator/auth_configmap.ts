/**
 * `kube-system/extension-apiserver-authentication`: what an extension API server reads to trust
 * this server's front-proxy requests (the request-header CA, the allowed client name and the
 * header names) and to verify client certificates itself (the client CA). Written at every
 * start, so a rotated CA reaches the backends.
 *
 * @module
 */
import { StatusError } from "../../../kube/errors.ts";
import { deepEqual } from "../../../kube/meta.ts";
import type { Registry } from "../registry.ts";
import { systemWriter } from "../resources/scheduling/bootstrap.ts";

export const AUTH_CONFIGMAP = "extension-apiserver-authentication";

/** The configmap's data for these CAs (PEM). */
export function extensionAuthData(
  clientCaPem: string,
  requestHeaderCaPem: string,
): Record<string, string> {
  return {
    "client-ca-file": clientCaPem,
    "requestheader-client-ca-file": requestHeaderCaPem,
    "requestheader-allowed-names": JSON.stringify(["system:auth-proxy"]),
    "requestheader-username-headers": JSON.stringify(["X-Remote-User"]),
    "requestheader-group-headers": JSON.stringify(["X-Remote-Group"]),
    "requestheader-extra-headers-prefix": JSON.stringify(["X-Remote-Extra-"]),
  };
}

/** Creates the configmap, or updates its data when it differs. */
export async function ensureExtensionAuthConfigMap(
  registry: Registry,
  cas: { clientCaPem: string; requestHeaderCaPem: string },
): Promise<void> {
  const store = registry.store("", "configmaps");
  const data = extensionAuthData(cas.clientCaPem, cas.requestHeaderCaPem);
  const opts = { fieldManager: "k3s", apiVersion: "v1" };
  const current = await store.tryGet("kube-system", AUTH_CONFIGMAP);
  try {
    if (!current) {
      await store.create(
        "kube-system",
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: AUTH_CONFIGMAP, namespace: "kube-system" },
          data,
        },
        systemWriter("kube-system"),
        opts,
      );
    } else if (!deepEqual(current.obj.data, data)) {
      await store.guaranteedUpdate(
        "kube-system",
        AUTH_CONFIGMAP,
        systemWriter("kube-system"),
        opts,
        (cur) => ({ ...structuredClone(cur.obj), data }),
      );
    }
  } catch (err) {
    // Another server wrote it at the same moment.
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
}
