/**
 * Certificate authorities and signed certificates: X.509 v3, ECDSA P-256, SHA-256.
 *
 * @module
 */

import { createPublicKey, X509Certificate as NodeX509 } from "node:crypto";
import { isIP } from "node:net";
import { pemToDer, readCertificate } from "./der.ts";
import {
  EC_P256,
  generateKeyPair,
  importSigningKey,
  loadX509,
  privateKeyToPem,
  toPem,
} from "./x509.ts";
import type { x509 } from "./x509_lib.ts";

type X509 = typeof x509;

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

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x40; // positive, and no leading zero byte to strip
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function subject(commonName: string, organizations: string[] = []): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
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

function sanExtension(lib: X509, sans: string[]): x509.SubjectAlternativeNameExtension {
  const names = [...new Set(sans.map(normalizeSan))].map((s): x509.JsonGeneralName => {
    const [type, value] = [s.slice(0, s.indexOf(":")), s.slice(s.indexOf(":") + 1)];
    return { type: type === "ip" ? "ip" : "dns", value };
  });
  return new lib.SubjectAlternativeNameExtension(names, false);
}

/** Creates a self-signed ECDSA P-256 CA (basicConstraints CA:true, keyCertSign, cRLSign). */
export async function createCa(options: CreateCaOptions): Promise<CertAndKey> {
  const x509 = await loadX509();
  const keys = await generateKeyPair();
  const name = subject(options.commonName);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    ...validity(options.now ?? new Date(), options.days ?? CA_DAYS),
    signingAlgorithm: EC_P256,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pemOf(cert), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** Issues a leaf certificate signed by `ca`, with a new key unless `keyPem` is given. */
export async function signCertificate(options: SignCertificateOptions): Promise<CertAndKey> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(options.ca.certPem);
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
  const eku = {
    client: [x509.ExtendedKeyUsage.clientAuth],
    server: [x509.ExtendedKeyUsage.serverAuth],
    both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  }[options.usage];
  if (!eku) throw new Error(`Cannot sign certificate: unknown usage "${options.usage}"`);
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    caKeyId
      ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
      : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (options.sans?.length) extensions.push(sanExtension(x509, options.sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subject(options.commonName, options.organizations),
    issuer: caCert.subjectName,
    ...validity(options.now ?? new Date(), options.days ?? LEAF_DAYS),
    signingAlgorithm: signer.algorithm,
    publicKey,
    signingKey: signer.key,
    extensions,
  });
  return { certPem: pemOf(cert), keyPem };
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

/** PEM written here: the library's encoder upper-cases through ICU, whose pages then stay resident. */
function pemOf(cert: x509.X509Certificate): string {
  return toPem(cert.rawData, "CERTIFICATE");
}
