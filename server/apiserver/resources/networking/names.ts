/**
 * Name and address checks the networking resources need beyond `kube/labels`: DNS-1035 labels
 * (service names), wildcard hosts (`*.example.com`) and CIDRs.
 *
 * @module
 */
import {
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  maxLenError,
  regexError,
} from "../../../../kube/labels.ts";
import { parseIp } from "../core/service_ip.ts";

const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const WILDCARD_FMT = `\\*\\.${LABEL_FMT}(\\.${LABEL_FMT})*`;
const WILDCARD_RE = new RegExp(`^${WILDCARD_FMT}$`);

/** Upstream's `IsDNS1035Label` messages (`my-name`, starting with a letter). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    );
  }
  return errs;
}

/** Upstream's `IsWildcardDNS1123Subdomain` messages (`*.example.com`). */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  }
  if (!WILDCARD_RE.test(value)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_FMT,
        "*.example.com",
      ),
    );
  }
  return errs;
}

/** Whether `value` is an IP address (v4 or v6). */
export function isIp(value: string): boolean {
  return parseIp(value) !== undefined;
}

/** A parsed CIDR: its family, first address and size. */
export interface Network {
  family: "IPv4" | "IPv6";
  base: bigint;
  bits: number;
}

/** Parses `a.b.c.d/n` or `x::y/n`; undefined when it is not a CIDR. */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const width = ip.family === "IPv4" ? 32 : 128;
  const bits = Number(bitsText);
  if (bits > width) return undefined;
  const size = 1n << BigInt(width - bits);
  return { family: ip.family, base: (ip.value / size) * size, bits };
}

/** Whether `inner` lies inside `outer` and is smaller than it. */
export function isStrictSubnet(inner: Network, outer: Network): boolean {
  if (inner.family !== outer.family || inner.bits <= outer.bits) return false;
  const width = outer.family === "IPv4" ? 32 : 128;
  const size = 1n << BigInt(width - outer.bits);
  return (inner.base / size) * size === outer.base;
}
