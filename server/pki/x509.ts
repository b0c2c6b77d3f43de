/**
 * PEM and key helpers shared by the PKI files, on node:crypto and WebCrypto, and
 * {@linkcode loadX509}, the way to `@peculiar/x509` (`x509_lib.ts`) for code that makes
 * certificates: it is loaded on first use, not with the server.
 *
 * @module
 */

import { createPrivateKey, createPublicKey, X509Certificate as NodeX509 } from "node:crypto";
import type { x509 } from "./x509_lib.ts";

let library: Promise<typeof x509> | undefined;

/** `@peculiar/x509`, wired to WebCrypto; imported on the first call. */
export function loadX509(): Promise<typeof x509> {
  library ??= import("./x509_lib.ts").then((m) => m.x509);
  return library;
}

/** ECDSA P-256 with SHA-256: the only key type this PKI issues, as K3s does. */
export const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A private key usable for signing, with the WebCrypto algorithm that signs with it. */
export interface SigningKey {
  key: CryptoKey;
  algorithm: EcdsaParams | Algorithm;
}

/** Generates an extractable ECDSA P-256 key pair. */
export function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
}

/** Wraps DER bytes into PEM with 64-column lines and a trailing newline. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Exports a private key as PKCS#8 PEM (`PRIVATE KEY`), readable by openssl, Go and node. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return toPem(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** Returns the SPKI PEM (`PUBLIC KEY`) of a private key PEM (PKCS#8, SEC1 or PKCS#1). */
export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString();
}

/** Returns the SPKI PEM of a certificate's public key. */
export function certPublicKeyPemOf(certPem: string): string {
  return new NodeX509(certPem).publicKey.export({ type: "spki", format: "pem" }).toString();
}

/** True when `pem` is an ECDSA P-256 private key, the only kind leaf certificates reuse. */
export function isP256Key(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
  } catch {
    return false;
  }
}

/**
 * Imports a private key PEM for signing. Accepts PKCS#8, SEC1 (`EC PRIVATE KEY`, what K3s writes)
 * and PKCS#1 RSA, so a data dir or a custom CA made by K3s itself can be reused.
 */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  let keyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`Cannot read private key: ${(e as Error).message}`);
  }
  const der = keyObject.export({ type: "pkcs8", format: "der" });
  const bytes = new Uint8Array(der.buffer, der.byteOffset, der.byteLength).slice();
  const type = keyObject.asymmetricKeyType;
  if (type === "ec") {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === "secp384r1" ? "P-384" : curve === "prime256v1" ? "P-256" : "";
    if (!namedCurve) throw new Error(`Cannot use private key: unsupported EC curve ${curve}`);
    const hash = namedCurve === "P-384" ? "SHA-384" : "SHA-256";
    const key = await crypto.subtle.importKey("pkcs8", bytes, { name: "ECDSA", namedCurve }, true, [
      "sign",
    ]);
    return { key, algorithm: { name: "ECDSA", hash } };
  }
  if (type === "rsa") {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const key = await crypto.subtle.importKey("pkcs8", bytes, algorithm, true, ["sign"]);
    return { key, algorithm };
  }
  throw new Error(`Cannot use private key: unsupported key type ${type}`);
}

/** Splits a PEM bundle into its certificates, each as its own PEM string. */
export function splitPemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** True when `pem` is signed by the key of `issuerPem` (signature check only, no dates). */
export function isIssuedBy(pem: string, issuerPem: string): boolean {
  try {
    const cert = new NodeX509(pem);
    const issuer = new NodeX509(issuerPem);
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
