/**
 * Certificate authorities and signed certificates: X.509 v3, ECDSA P-256, SHA-256.
 *
 * @module
 */

import { createPublicKey, X509Certificate as NodeX509 } from "node:crypto";
import { isIP } from "node:net";
import { buildCertificate, encodeName, keyIdOf, subjectOf } from "./cert_builder.ts";
import { pemToDer, readCertificate } from "./der.ts";
import { EC_P256, generateKeyPair, importSigningKey, privateKeyToPem, toPem } from "./x509.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so a node whose clock lags can use them at once. */
const BACKDATE_MS = 5 * 60 * 1000;

/** CAs live 10 years, leaf certificates 1 year (as K3s). */
export const CA_DAYS = 3650;
export const LEAF_DAYS = 365;
/** A leaf certificate this close to expiry is re-issued at start (as K3s). */
export const RENEW_WITHIN_DAYS = 120;

/** A certificate and its private key, both PEM. */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

/** What a certificate is for: `client` (clientAuth), `server` (serverAuth) or `both`. */
export type CertUsage = "client" | "server" | "both";

/** Options of {@linkcode createCa}. */
export interface CreateCaOptions {
  commonName: string;
  days?: number;
  now?: Date;
}

/** Options of {@linkcode signCertificate}. */
export interface SignCertificateOptions {
  ca: CertAndKey;
  commonName: string;
  /** Subject O values; Kubernetes reads them as the user's groups. */
  organizations?: string[];
  /** Subject alternative names; IPv4/IPv6 literals become IP SANs, the rest DNS SANs. */
  sans?: string[];
  usage: CertUsage;
  days?: number;
  now?: Date;
  /** Re-use this private key (PEM) instead of generating one, e.g. when renewing. */
  keyPem?: string;
}

/** The fields of a certificate that decide whether it still fits. */
export interface CertInfo {
  commonName: string;
  organizations: string[];
  /** Normalised SANs (see {@linkcode normalizeSan}), sorted. */
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** X.509 version as written in the certificate: 3 for v3. */
  version: number;
}

function randomSerial(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x40; // positive, and no leading zero byte to strip
  return bytes;
}

function validity(now: Date, days: number) {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

/**
 * Normalises a SAN for comparison: DNS names lower-cased, IPs in canonical form
 * (`0:0::1` → `::1`), each prefixed with its kind (`dns:` or `ip:`).
 */
export function normalizeSan(san: string): string {
  const value = san.trim();
  const ip = value.replace(/^\[(.*)\]$/, "$1");
  switch (isIP(ip)) {
    case 4:
      return `ip:${ip.split(".").map((p) => Number(p)).join(".")}`;
    case 6:
      return `ip:${new URL(`http://[${ip}]/`).hostname.slice(1, -1)}`;
    default:
      return `dns:${value.toLowerCase()}`;
  }
}

/** Creates a self-signed ECDSA P-256 CA (basicConstraints CA:true, keyCertSign, cRLSign). */
export async function createCa(options: CreateCaOptions): Promise<CertAndKey> {
  const keys = await generateKeyPair();
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const name = encodeName(options.commonName);
  const der = await buildCertificate({
    serial: randomSerial(),
    subject: name,
    issuer: name,
    ...validity(options.now ?? new Date(), options.days ?? CA_DAYS),
    spki,
    isCa: true,
    subjectKeyId: await keyIdOf(spki),
  }, { key: keys.privateKey, algorithm: EC_P256 });
  return { certPem: toPem(der, "CERTIFICATE"), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** Issues a leaf certificate signed by `ca`, with a new key unless `keyPem` is given. */
export async function signCertificate(options: SignCertificateOptions): Promise<CertAndKey> {
  if (!["client", "server", "both"].includes(options.usage)) {
    throw new Error(`Cannot sign certificate: unknown usage "${options.usage}"`);
  }
  let caDer: Uint8Array;
  let ca;
  try {
    caDer = pemToDer(options.ca.certPem);
    ca = readCertificate(caDer);
  } catch (e) {
    throw new Error(`Cannot parse CA certificate: ${(e as Error).message}`);
  }
  const signer = await importSigningKey(options.ca.keyPem);
  let keyPem = options.keyPem;
  let publicKey: CryptoKey;
  if (keyPem) {
    publicKey = await publicKeyOf(keyPem);
  } else {
    const keys = await generateKeyPair();
    keyPem = await privateKeyToPem(keys.privateKey);
    publicKey = keys.publicKey;
  }
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const der = await buildCertificate({
    serial: randomSerial(),
    subject: encodeName(options.commonName, options.organizations),
    issuer: subjectOf(caDer),
    ...validity(options.now ?? new Date(), options.days ?? LEAF_DAYS),
    spki,
    isCa: false,
    usage: options.usage,
    subjectKeyId: await keyIdOf(spki),
    authorityKeyId: ca.subjectKeyId ?? await keyIdOf(ca.spki),
    sans: [...new Set((options.sans ?? []).map(normalizeSan))],
  }, signer);
  return { certPem: toPem(der, "CERTIFICATE"), keyPem };
}

/**
 * True when a leaf certificate should be re-issued: it expires within `withinDays`
 * (default 120, as K3s), is already expired, or is not valid yet.
 */
export function needsRenewal(
  certPem: string,
  now: Date = new Date(),
  withinDays: number = RENEW_WITHIN_DAYS,
): boolean {
  const { notBefore, notAfter } = certInfo(certPem);
  return notBefore.getTime() > now.getTime() ||
    notAfter.getTime() - now.getTime() < withinDays * DAY_MS;
}

/**
 * Reads the identity, SANs and validity of a PEM certificate (the first one of a bundle), with
 * node:crypto and a small DER reader: this runs for every certificate at every start.
 */
export function certInfo(certPem: string): CertInfo {
  let cert: NodeX509;
  let fields;
  try {
    cert = new NodeX509(certPem);
    fields = readCertificate(pemToDer(certPem));
  } catch (e) {
    throw new Error(`Cannot parse certificate: ${(e as Error).message}`);
  }
  const sans = fields.sans.map((n) => normalizeSan(n.value));
  return {
    commonName: fields.commonNames[0] ?? "",
    organizations: fields.organizations,
    sans: [...new Set(sans)].sort(),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    isCa: cert.ca,
    version: fields.version,
  };
}

async function publicKeyOf(keyPem: string): Promise<CryptoKey> {
  try {
    const der = createPublicKey(keyPem).export({ type: "spki", format: "der" });
    return await crypto.subtle.importKey("spki", new Uint8Array(der), EC_P256, true, ["verify"]);
  } catch (e) {
    throw new Error(`Cannot reuse private key: not an ECDSA P-256 key (${(e as Error).message})`);
  }
}
