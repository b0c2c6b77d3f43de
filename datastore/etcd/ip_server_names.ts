/**
 * etcd over TLS at an IP address (`https://10.0.0.5:2379`, the usual K3s external etcd) under
 * Deno: grpc-js sends the host as the TLS server name, and Deno's `node:tls` refuses an IP
 * address there (Node only warns). So for such endpoints the client gets a DNS-shaped server-name
 * override, and its certificate check verifies the certificate against the endpoint's real hosts
 * (the IP SANs) instead of that placeholder name.
 *
 * etcd3 builds its grpc credentials inside its constructor with grpc-js's
 * `credentials.createSsl()`, offering no way to pass verify options; {@link newEtcdClient} swaps
 * that one function for the duration of the (synchronous) constructor call only.
 *
 * @module
 */
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
// The grpc-js instance etcd3 uses; deno.json does not map it yet (the CRI client will need it too).
// deno-lint-ignore no-import-prefix
import { credentials as grpcCredentials } from "npm:@grpc/grpc-js@^1.14.7";
import { Etcd3, type IOptions } from "etcd3";

/** Sent as the TLS server name (SNI) instead of an IP address; etcd does not look at it. */
const SERVER_NAME = "etcd";

/** `new Etcd3(options)`, made to work with `https://<ip>` hosts as described above. */
export function newEtcdClient(options: IOptions & { hosts: string[] }): Etcd3 {
  const names = options.hosts.map((host) => new URL(host).hostname.replace(/^\[|\]$/g, ""));
  const secure = options.hosts.some((host) => host.startsWith("https:"));
  if (!secure || !names.some((name) => isIP(name))) return new Etcd3(options);
  const check = (_name: string, certificate: PeerCertificate): Error | undefined => {
    const errors = names.map((name) => checkServerIdentity(name, certificate));
    return errors.includes(undefined) ? undefined : errors[0];
  };
  const createSsl = grpcCredentials.createSsl;
  grpcCredentials.createSsl = (rootCerts, privateKey, certChain) =>
    createSsl(rootCerts, privateKey, certChain, { checkServerIdentity: check });
  try {
    return new Etcd3({
      ...options,
      grpcOptions: { ...options.grpcOptions, "grpc.ssl_target_name_override": SERVER_NAME },
    });
  } finally {
    grpcCredentials.createSsl = createSsl;
  }
}
