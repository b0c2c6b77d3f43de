/**
 * Where and how to open the gRPC channel to one etcd member: its `host:port` target, the channel
 * credentials (plaintext for `http://`, TLS for `https://`) and channel options.
 *
 * TLS at an IP address (`https://10.0.0.5:2379`, the usual K3s external etcd) needs care under
 * Deno: grpc-js sends the host as the TLS server name, and Deno's `node:tls` refuses an IP address
 * there (Node only warns). Such a channel sends a DNS-shaped placeholder name instead, and its
 * certificate check verifies the certificate against the member's real address (its IP SANs).
 *
 * @module
 */
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { type ChannelCredentials, type ChannelOptions, credentials } from "@grpc/grpc-js";
import type { EtcdCredentials } from "./endpoint.ts";

/** Sent as the TLS server name (SNI) instead of an IP address; etcd does not look at it. */
const SERVER_NAME = "etcd";

export interface MemberChannel {
  /** `host:port` (`[v6]:port`), as grpc-js wants it. */
  target: string;
  credentials: ChannelCredentials;
  options: ChannelOptions;
}

/**
 * The channel to the member at `url` (`scheme://host:port`). `tls` holds the CA, certificate and
 * key when given; an `https://` member without them is checked against the system's roots.
 */
export function memberChannel(
  url: string,
  tls: EtcdCredentials | undefined,
  options: ChannelOptions,
): MemberChannel {
  const { protocol, hostname, host } = new URL(url);
  if (protocol !== "https:") {
    return { target: host, credentials: credentials.createInsecure(), options };
  }
  const name = hostname.replace(/^\[|\]$/g, "");
  const { rootCertificate = null, privateKey = null, certChain = null } = tls ?? {};
  if (!isIP(name)) {
    return {
      target: host,
      credentials: credentials.createSsl(rootCertificate, privateKey, certChain),
      options,
    };
  }
  const check = (_servername: string, certificate: PeerCertificate) =>
    checkServerIdentity(name, certificate);
  return {
    target: host,
    credentials: credentials.createSsl(rootCertificate, privateKey, certChain, {
      checkServerIdentity: check,
    }),
    options: { ...options, "grpc.ssl_target_name_override": SERVER_NAME },
  };
}
