/**
 * Where the API server is and who the client is: a server URL with TLS material and a client
 * certificate or bearer token, built directly or from a kubeconfig's current context.
 *
 * @module
 */
import { type KubeconfigContext, loadKubeconfig } from "../kubeconfig.ts";

/** What a {@link KubeClient} connects with. */
export interface ClientConfig {
  /** `https://host:port` (an `http://` URL uses cleartext HTTP/2). */
  server: string;
  /** PEM CA bundle the server's certificate must chain to; the system roots when absent. */
  caPem?: string;
  /** Client certificate and key (PEM). */
  certPem?: string;
  keyPem?: string;
  /** Bearer token, sent as `Authorization: Bearer …`. */
  token?: string;
  /** Skip server certificate verification (test clusters only). */
  insecureSkipTlsVerify?: boolean;
  /** The name to verify the server's certificate against, when not the URL's host. */
  tlsServerName?: string;
  /** `User-Agent` header, e.g. `kube-scheduler/v1.33.5`. */
  userAgent?: string;
  /** Timeout of one non-watch request, ms (default 60 s). */
  requestTimeoutMs?: number;
}

/** The {@link ClientConfig} of a resolved kubeconfig context. */
export function configFromKubeconfig(
  kc: KubeconfigContext,
  extra: Partial<ClientConfig> = {},
): ClientConfig {
  return {
    server: kc.server,
    caPem: kc.caPem,
    certPem: kc.certPem,
    keyPem: kc.keyPem,
    token: kc.token,
    insecureSkipTlsVerify: kc.insecureSkipTlsVerify,
    tlsServerName: kc.tlsServerName,
    ...extra,
  };
}

/** Reads a kubeconfig file (and the files it names) into a {@link ClientConfig}. */
export async function loadClientConfig(
  path: string,
  options: { context?: string } & Partial<ClientConfig> = {},
): Promise<ClientConfig> {
  const { context, ...extra } = options;
  return configFromKubeconfig(await loadKubeconfig(path, { context }), extra);
}
