/**
 * What `k3s certificate check` reports about certificate files: subject, issuer, usages,
 * validity and a status, with K3s's words (`OK`, `WARNING` within the renewal window of
 * {@linkcode RENEW_WITHIN_DAYS} days, `EXPIRED`, `NOT YET VALID`).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { RENEW_WITHIN_DAYS } from "./cert.ts";
import { splitPemCertificates } from "./x509.ts";
import { x509 } from "./x509_lib.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate's state at a given time. */
export type CertStatus = "OK" | "WARNING" | "EXPIRED" | "NOT YET VALID";

/** One certificate of a file (a file holding a chain gives one per certificate). */
export interface CheckedCertificate {
  path: string;
  /** The file's base name, as K3s shows it. */
  filename: string;
  /** Subject and issuer common names. */
  subject: string;
  issuer: string;
  /** `CertSign`, `ServerAuth`, `ClientAuth`, or `Unknown` when none applies (as K3s). */
  usages: string[];
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
  status: CertStatus;
}

/** The status of a certificate valid from `notBefore` to `notAfter`, seen at `now`. */
export function certStatus(
  notBefore: Date,
  notAfter: Date,
  now: Date,
  warnDays: number = RENEW_WITHIN_DAYS,
): CertStatus {
  if (now.getTime() < notBefore.getTime()) return "NOT YET VALID";
  if (now.getTime() > notAfter.getTime()) return "EXPIRED";
  if (now.getTime() + warnDays * DAY_MS > notAfter.getTime()) return "WARNING";
  return "OK";
}

/** K3s's usage words for a certificate: key usage keyCertSign, then the extended key usages. */
export function certUsages(cert: x509.X509Certificate): string[] {
  const usages: string[] = [];
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign)) usages.push("CertSign");
  const extended = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  for (const usage of extended) {
    if (usage === x509.ExtendedKeyUsage.serverAuth) usages.push("ServerAuth");
    else if (usage === x509.ExtendedKeyUsage.clientAuth) usages.push("ClientAuth");
  }
  return usages.length ? usages : ["Unknown"];
}

/** Describes every certificate of a PEM text read from `path`. */
export function describeCertificates(path: string, pem: string, now: Date): CheckedCertificate[] {
  return splitPemCertificates(pem).map((one) => {
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(one);
    } catch (e) {
      throw new Error(`Cannot parse a certificate in ${path}: ${(e as Error).message}`);
    }
    return {
      path,
      filename: basename(path),
      subject: cert.subjectName.getField("CN")[0] ?? "",
      issuer: cert.issuerName.getField("CN")[0] ?? "",
      usages: certUsages(cert),
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      serialNumber: cert.serialNumber,
      status: certStatus(cert.notBefore, cert.notAfter, now),
    };
  });
}

/**
 * Reads `paths` and describes their certificates, in order. Missing files and files without
 * a certificate (private keys) are skipped, as K3s does; an unreadable file is an error.
 */
export async function checkCertificateFiles(
  paths: readonly string[],
  now: Date = new Date(),
): Promise<CheckedCertificate[]> {
  const out: CheckedCertificate[] = [];
  for (const path of new Set(paths)) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
    }
    out.push(...describeCertificates(path, text, now));
  }
  return out;
}
