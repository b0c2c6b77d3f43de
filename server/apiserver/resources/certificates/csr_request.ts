/**
 * Checks of a CertificateSigningRequest's `spec.request`: base64 of a PEM `CERTIFICATE REQUEST`
 * block holding a PKCS#10 request whose signature verifies (upstream's `validateCSR`). The
 * signature check is asynchronous (WebCrypto), so it runs in `prepareForCreate` and its outcome
 * rides on the object to `validate` as a non-enumerable mark, never stored.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";
import { loadX509 } from "../../../pki/x509.ts";
import type { x509 } from "../../../pki/x509_lib.ts";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/;
const CHECKED = Symbol("csr-request-check");

/** The PEM text inside a base64 `[]byte` field, or undefined when it is not base64. */
export function decodeRequest(request: unknown): string | undefined {
  if (typeof request !== "string") return undefined;
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(request), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** Why `request` is not an acceptable certificate request, or null when it is. */
export async function certificateRequestError(request: unknown): Promise<string | null> {
  const text = decodeRequest(request);
  if (text === undefined) return "must be base64-encoded PEM data";
  const block = PEM_BLOCK.exec(text);
  if (!block || block[1] !== "CERTIFICATE REQUEST") {
    return "PEM block type must be CERTIFICATE REQUEST";
  }
  const lib = await loadX509();
  let csr: x509.Pkcs10CertificateRequest;
  try {
    const der = Uint8Array.from(atob(block[2].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    csr = new lib.Pkcs10CertificateRequest(der);
  } catch (err) {
    return `x509: malformed certificate request: ${(err as Error).message}`;
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (ok) return null;
  const algorithm = csr.publicKey.algorithm.name;
  return algorithm === "ECDSA"
    ? "x509: ECDSA verification failure"
    : "crypto/rsa: verification error";
}

/** Checks the request of `o` and marks the object with the outcome, for `checkedRequestError`. */
export async function checkRequest(o: KubeObject): Promise<void> {
  const error = await certificateRequestError(
    (o.spec as Record<string, unknown> | undefined)?.request,
  );
  Object.defineProperty(o, CHECKED, { value: error });
}

/** The outcome `checkRequest` marked on `o`; undefined when it was not checked. */
export function checkedRequestError(o: KubeObject): string | null | undefined {
  return (o as unknown as Record<symbol, string | null | undefined>)[CHECKED];
}
