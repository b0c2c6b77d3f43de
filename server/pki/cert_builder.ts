/**
 * Builds and signs X.509 v3 certificates with WebCrypto and a small DER writer: what `createCa`
 * and `signCertificate` need (ECDSA or RSA signatures; basic constraints, key usage, extended key
 * usage, key identifiers, DNS and IP SANs), without an ASN.1 library, whose loading and parsing
 * would cost most of a first start. Names are encoded as Go's crypto/x509 does: PrintableString
 * when the value allows it, else UTF8String. An issuer name is copied from the CA's DER.
 *
 * @module
 */

import { childrenOf, readTlv } from "./der.ts";

type Bytes = Uint8Array<ArrayBuffer>;

/** A tag-length-value element of `parts` concatenated. */
function tlv(tag: number, ...parts: Uint8Array[]): Bytes {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const head = length < 0x80
    ? [tag, length]
    : length < 0x100
    ? [tag, 0x81, length]
    : length < 0x10000
    ? [tag, 0x82, length >> 8, length & 0xff]
    : [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
const octets = (bytes: Uint8Array) => tlv(0x04, bytes);
const TRUE = new Uint8Array([0x01, 0x01, 0xff]);

/** A non-negative INTEGER from big-endian bytes. */
function integer(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return trimmed[0] & 0x80 ? tlv(0x02, new Uint8Array([0]), trimmed) : tlv(0x02, trimmed);
}

function oid(text: string): Uint8Array {
  const [a, b, ...rest] = text.split(".").map(Number);
  const out = [a * 40 + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | 0x80);
    }
    out.push(...groups);
  }
  return tlv(0x06, new Uint8Array(out));
}

function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, new Uint8Array([unusedBits]), bytes);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function directoryString(value: string): Uint8Array {
  return tlv(PRINTABLE.test(value) ? 0x13 : 0x0c, new TextEncoder().encode(value));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280), to the second. */
function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z";
  const year = date.getUTCFullYear();
  const text = year >= 1950 && year < 2050 ? digits.slice(2) : digits;
  return tlv(year >= 1950 && year < 2050 ? 0x17 : 0x18, new TextEncoder().encode(text));
}

const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  subjectAltName: "2.5.29.17",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  ecdsaSha384: "1.2.840.10045.4.3.3",
  rsaSha256: "1.2.840.113549.1.1.11",
};

/** A Name of one O attribute per organization, then the CN, each in its own RDN. */
export function encodeName(commonName: string, organizations: string[] = []): Uint8Array {
  const rdn = (type: string, value: string) => set(seq(oid(type), directoryString(value)));
  return seq(
    ...organizations.map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, commonName),
  );
}

/** The subject Name of a DER certificate, byte for byte (to be a leaf's issuer). */
export function subjectOf(certDer: Uint8Array): Uint8Array {
  const tbs = childrenOf(certDer, readTlv(certDer, 0))[0];
  const parts = childrenOf(certDer, tbs);
  const subject = parts[parts[0].tag === 0xa0 ? 5 : 4];
  return certDer.slice(subject.offset, subject.end);
}

/** The subjectPublicKey bits of an SPKI, whose SHA-1 is the key identifier (RFC 5280 4.2.1.2). */
function publicKeyBits(spki: Uint8Array): Bytes {
  const [, bits] = childrenOf(spki, readTlv(spki, 0));
  return spki.slice(bits.start + 1, bits.end);
}

/** The key identifier of a public key (SHA-1 of its subjectPublicKey bits). */
export async function keyIdOf(spki: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-1", publicKeyBits(spki)));
}

/** What a certificate says about itself. */
export interface CertificateSpec {
  /** Positive serial, big-endian. */
  serial: Uint8Array;
  subject: Uint8Array;
  issuer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key, SPKI DER. */
  spki: Uint8Array;
  isCa: boolean;
  usage?: "client" | "server" | "both";
  subjectKeyId: Uint8Array;
  authorityKeyId?: Uint8Array;
  /** Normalised SANs, `dns:…` or `ip:…` (see `normalizeSan`). */
  sans?: string[];
}

/** The signer: a WebCrypto private key and its algorithm (as `importSigningKey` gives). */
export interface Signer {
  key: CryptoKey;
  algorithm: EcdsaParams | Algorithm;
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), TRUE, octets(value)) : seq(oid(id), octets(value));
}

function sanValue(sans: string[]): Uint8Array {
  return seq(...sans.map((s) => {
    const value = s.slice(s.indexOf(":") + 1);
    if (s.startsWith("ip:")) return tlv(0x87, ipBytes(value));
    return tlv(0x82, new TextEncoder().encode(value));
  }));
}

function ipBytes(ip: string): Uint8Array {
  if (!ip.includes(":")) return new Uint8Array(ip.split(".").map(Number));
  const [head, tail = ""] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const h = groups(head), t = groups(tail);
  const all = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function signatureAlgorithm(signer: Signer): { id: Uint8Array; params: Algorithm } {
  if (signer.algorithm.name === "ECDSA") {
    const hash = (signer.algorithm as EcdsaParams).hash;
    const name = typeof hash === "string" ? hash : hash.name;
    const id = name === "SHA-384" ? OID.ecdsaSha384 : OID.ecdsaSha256;
    return { id: seq(oid(id)), params: { name: "ECDSA", hash: name } as EcdsaParams };
  }
  if (signer.algorithm.name === "RSASSA-PKCS1-v1_5") {
    return { id: seq(oid(OID.rsaSha256), tlv(0x05)), params: signer.algorithm };
  }
  throw new Error(`Cannot sign with ${signer.algorithm.name}`);
}

/** An ECDSA signature as WebCrypto gives it (r‖s) in X.509's DER form. */
function ecdsaDer(raw: Uint8Array): Bytes {
  const half = raw.length / 2;
  return seq(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}

/** Encodes and signs a certificate; returns its DER. */
export async function buildCertificate(spec: CertificateSpec, signer: Signer): Promise<Bytes> {
  const algorithm = signatureAlgorithm(signer);
  const usage = spec.isCa ? 0x86 : 0xa0; // CA: digitalSignature, keyCertSign, cRLSign.
  const extensions = [
    extension(OID.basicConstraints, true, spec.isCa ? seq(TRUE) : seq()),
    // Leaves: digitalSignature, keyEncipherment. Trailing zero bits are dropped (DER).
    extension(OID.keyUsage, true, bitString(new Uint8Array([usage]), spec.isCa ? 1 : 5)),
  ];
  if (spec.usage) {
    const purposes = {
      client: [OID.clientAuth],
      server: [OID.serverAuth],
      both: [OID.serverAuth, OID.clientAuth],
    }[spec.usage];
    extensions.push(extension(OID.extKeyUsage, false, seq(...purposes.map(oid))));
  }
  extensions.push(extension(OID.subjectKeyId, false, octets(spec.subjectKeyId)));
  if (spec.authorityKeyId) {
    extensions.push(
      extension(OID.authorityKeyId, false, seq(tlv(0x80, spec.authorityKeyId))),
    );
  }
  if (spec.sans?.length) extensions.push(extension(OID.subjectAltName, false, sanValue(spec.sans)));
  const tbs = seq(
    tlv(0xa0, integer(new Uint8Array([2]))),
    integer(spec.serial),
    algorithm.id,
    spec.issuer,
    seq(time(spec.notBefore), time(spec.notAfter)),
    spec.subject,
    spec.spki,
    tlv(0xa3, seq(...extensions)),
  );
  let signature = new Uint8Array(await crypto.subtle.sign(algorithm.params, signer.key, tbs));
  if (signer.algorithm.name === "ECDSA") signature = ecdsaDer(signature);
  return seq(tbs, algorithm.id, bitString(signature));
}
