/**
 * Reads the few fields of a DER X.509 certificate that decide whether a stored certificate still
 * fits (version, subject CN and O, SANs), without an ASN.1 library: at every start the server
 * checks its existing certificates, and loading `@peculiar/x509` only for that would cost more
 * than the rest of the check. Node's `X509Certificate` covers validity, issuer and key checks.
 *
 * @module
 */

/** One DER element: its tag, and where its content starts and ends in the buffer. */
export interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** The element at `at`, whose content must end by `limit`. Throws on malformed input. */
export function readTlv(der: Uint8Array, at: number, limit = der.length): Tlv {
  if (at + 2 > limit) throw new Error("truncated DER element");
  const tag = der[at];
  if ((tag & 0x1f) === 0x1f) throw new Error("multi-byte DER tags are not supported");
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error("bad DER length");
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  const end = start + length;
  if (end > limit) throw new Error("truncated DER element");
  return { tag, start, end };
}

/** The elements inside a constructed element. */
export function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = readTlv(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const OID = 0x06;
const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";
const OID_SAN = "2.5.29.17";

/** The fields of a certificate {@linkcode readCertificate} returns. */
export interface CertificateFields {
  /** 1 for a v1 certificate (no version field), 3 for v3. */
  version: number;
  /** Subject common names and organizations, in the order they appear. */
  commonNames: string[];
  organizations: string[];
  /** dNSName and iPAddress SANs (IPs as text: dotted IPv4, or eight hex groups). */
  sans: { type: "dns" | "ip"; value: string }[];
}

/** Reads version, subject names and SANs of a DER certificate. Throws when it is malformed. */
export function readCertificate(der: Uint8Array): CertificateFields {
  const cert = readTlv(der, 0);
  if (cert.tag !== SEQUENCE) throw new Error("not a certificate");
  const tbs = childrenOf(der, cert)[0];
  if (tbs?.tag !== SEQUENCE) throw new Error("not a certificate");
  const parts = childrenOf(der, tbs);
  let i = 0;
  let version = 1;
  if (parts[0]?.tag === 0xa0) {
    const v = childrenOf(der, parts[0])[0];
    version = der[v.end - 1] + 1;
    i = 1;
  }
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then [1] [2] [3].
  const subject = parts[i + 4];
  if (subject?.tag !== SEQUENCE) throw new Error("certificate has no subject");
  const commonNames: string[] = [];
  const organizations: string[] = [];
  for (const rdn of childrenOf(der, subject)) {
    for (const attribute of childrenOf(der, rdn)) {
      const [type, value] = childrenOf(der, attribute);
      if (type?.tag !== OID || !value) continue;
      const oid = oidText(der, type);
      if (oid === OID_CN) commonNames.push(stringValue(der, value));
      else if (oid === OID_O) organizations.push(stringValue(der, value));
    }
  }
  const sans: CertificateFields["sans"] = [];
  const extensions = parts.slice(i + 6).find((p) => p.tag === 0xa3);
  const list = extensions && childrenOf(der, extensions)[0];
  for (const extension of list ? childrenOf(der, list) : []) {
    const fields = childrenOf(der, extension);
    if (fields[0]?.tag !== OID || oidText(der, fields[0]) !== OID_SAN) continue;
    const octets = fields[fields.length - 1];
    const names = readTlv(der, octets.start, octets.end);
    for (const name of childrenOf(der, names)) {
      const bytes = der.subarray(name.start, name.end);
      if (name.tag === 0x82) sans.push({ type: "dns", value: latin1(bytes) });
      else if (name.tag === 0x87) sans.push({ type: "ip", value: ipText(bytes) });
    }
  }
  return { version, commonNames, organizations, sans };
}

/** The DER bytes of the first certificate of a PEM text. */
export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("no PEM certificate found");
  return Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

function oidText(der: Uint8Array, t: Tlv): string {
  const out: number[] = [];
  let value = 0;
  for (let i = t.start; i < t.end; i++) {
    value = value * 128 + (der[i] & 0x7f);
    if (!(der[i] & 0x80)) {
      if (out.length === 0) {
        out.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      } else out.push(value);
      value = 0;
    }
  }
  return out.join(".");
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** A directory string: UTF8String, PrintableString, IA5String, T61String, BMPString, UniversalString. */
function stringValue(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x0c:
      return new TextDecoder().decode(bytes);
    case 0x1e: {
      let s = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        s += String.fromCharCode(bytes[i] << 8 | bytes[i + 1]);
      }
      return s;
    }
    case 0x1c: {
      let s = "";
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i + 3 < bytes.length; i += 4) s += String.fromCodePoint(view.getUint32(i));
      return s;
    }
    default:
      return latin1(bytes);
  }
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8 | bytes[i + 1]).toString(16));
    return groups.join(":");
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
