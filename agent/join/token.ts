/**
 * The join token as an agent reads it: `K10<CA hash>::<user>:<password>` (or a bare password,
 * for user `node`), and the CA pinning K3s does with it: the hash is the SHA-256 of the PEM
 * bundle `/cacerts` serves, or for a bundle whose first certificate chains to a root in it, of
 * that root's DER.
 *
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";

export interface JoinToken {
  /** Lower-case hex SHA-256 the server CA must have; absent for a bare token. */
  caHash?: string;
  username: string;
  password: string;
}

/** Parses a full or bare token; agents default to user `node`. */
export function parseJoinToken(token: string, defaultUser = "node"): JoinToken {
  const text = token.trim();
  if (!text) throw new Error("Cannot join: the token is empty");
  if (!text.startsWith("K10")) {
    const colon = text.indexOf(":");
    return colon > 0
      ? { username: text.slice(0, colon), password: text.slice(colon + 1) }
      : { username: defaultUser, password: text };
  }
  const split = text.indexOf("::");
  if (split < 0) throw new Error("Cannot join: the token has no credentials after the CA hash");
  const hash = text.slice(3, split);
  if (hash && !/^[0-9a-fA-F]{64}$/.test(hash)) {
    throw new Error("Cannot join: the token's CA hash is not 64 hex digits");
  }
  const creds = text.slice(split + 2);
  const colon = creds.indexOf(":");
  const username = colon > 0 ? creds.slice(0, colon) : defaultUser;
  const password = colon >= 0 ? creds.slice(colon + 1) : creds;
  if (!password) throw new Error("Cannot join: the token has an empty password");
  return { caHash: hash ? hash.toLowerCase() : undefined, username, password };
}

/** The hash K3s pins a CA bundle by. */
export function caBundleHash(caPem: string): string {
  const pems = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length > 1) {
    const root = chainRoot(pems);
    if (root) return createHash("sha256").update(root.raw).digest("hex");
  }
  return createHash("sha256").update(caPem, "utf8").digest("hex");
}

function chainRoot(pems: string[]): X509Certificate | undefined {
  try {
    const certs = pems.map((p) => new X509Certificate(p));
    const signs = (child: X509Certificate, parent: X509Certificate) =>
      child.checkIssued(parent) && child.verify(parent.publicKey);
    let current = certs[0];
    for (let i = 0; i < certs.length; i++) {
      const parent = certs.slice(1).find((c) => signs(current, c));
      if (!parent) return undefined;
      if (signs(parent, parent)) return parent;
      current = parent;
    }
  } catch {
    // An unparsable bundle is hashed as bytes.
  }
  return undefined;
}

/** Throws unless the token's hash (when it has one) matches `caPem`. */
export function checkCaHash(token: JoinToken, caPem: string): void {
  if (!token.caHash) return;
  const actual = caBundleHash(caPem);
  if (actual !== token.caHash) {
    throw new Error(
      `Cannot trust the server: the token's CA hash ${token.caHash} does not match the cluster CA's ${actual}`,
    );
  }
}
