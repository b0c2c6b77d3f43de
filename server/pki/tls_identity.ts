/**
 * The user a TLS client certificate authenticates, read from a `node:tls` socket.
 *
 * Security invariant: a client certificate identifies a user only when the TLS layer itself
 * verified it (`socket.authorized === true`). The API server listens with
 * `requestCert: true, rejectUnauthorized: false` (anonymous and token clients must still
 * connect), so the handshake also completes for certificates that failed verification, and
 * `getPeerCertificate()` then still returns their subject. Never re-check such a certificate's
 * chain in application code and trust it: Deno's TLS server does not parse X.509 v1
 * certificates and, when unauthorized clients are allowed, skips the proof-of-possession
 * (CertificateVerify) check for them, so a client can present a copy of someone else's
 * certificate without its private key. Such a socket reports `authorized === false`, and
 * this function returns null for it.
 *
 * Works for `node:https` sockets and for `node:http2` `createSecureServer({ allowHTTP1: true })`
 * requests over both HTTP/2 and HTTP/1.1 (`req.socket`), including `upgrade` sockets.
 *
 * @module
 */

import type { PeerCertificate, TLSSocket } from "node:tls";

/** A user authenticated by a client certificate: CN is the name, O values the groups. */
export interface TlsUser {
  name: string;
  groups: string[];
}

/** The parts of a TLS socket this module reads (a `TLSSocket`, or HTTP/2's socket proxy). */
export type PeerSocket = Pick<TLSSocket, "authorized" | "getPeerCertificate">;

function values(field: string | string[] | undefined): string[] {
  if (field === undefined) return [];
  return Array.isArray(field) ? field : [field];
}

/**
 * Returns the certificate's user when the TLS layer verified the client certificate against
 * the configured client CA (`socket.authorized === true`), else null. A certificate without
 * exactly one non-empty CN identifies nobody.
 */
export function tlsUser(socket: PeerSocket | null | undefined): TlsUser | null {
  if (!socket || socket.authorized !== true || typeof socket.getPeerCertificate !== "function") {
    return null;
  }
  let peer: PeerCertificate | undefined;
  try {
    peer = socket.getPeerCertificate();
  } catch {
    return null;
  }
  // Node's types say string, but a repeated attribute (two O values) arrives as an array.
  const subject: { CN?: string | string[]; O?: string | string[] } | undefined = peer?.subject;
  if (!subject) return null;
  const names = values(subject.CN);
  if (names.length !== 1 || !names[0]) return null;
  return { name: names[0], groups: values(subject.O) };
}
