/**
 * Value checks flags refer to by name in their table. Each returns why a value is wrong, or
 * `undefined`.
 *
 * @module
 */
import { isIP } from "node:net";
import type { Check } from "./flag.ts";

/** An IPv4 or IPv6 address. */
export const ipAddress: Check = (value) =>
  isIP(value) === 0 ? "must be an IPv4 or IPv6 address" : undefined;

/** An IPv4 or IPv6 network in CIDR notation. */
export const cidr: Check = (value) => {
  const [address, bits, extra] = value.split("/");
  const family = isIP(address ?? "");
  const max = family === 6 ? 128 : 32;
  const ok = family !== 0 && extra === undefined && bits !== undefined && /^\d{1,3}$/.test(bits) &&
    Number(bits) <= max;
  return ok ? undefined : "must be a CIDR such as 10.42.0.0/16";
};

/** A Unix file mode in octal, as `chmod` takes it (`644`, `0600`). */
export const fileMode: Check = (value) =>
  /^[0-7]{3,4}$/.test(value) ? undefined : "must be an octal file mode such as 0600";

/** The supervisor URL of a server. */
export const httpsUrl: Check = (value) => {
  if (!value.startsWith("https://")) return "must begin with https://";
  try {
    new URL(value);
    return undefined;
  } catch {
    return "must be a URL such as https://10.0.0.1:6443";
  }
};

/** A `key=value` pair such as a node label. */
export const keyValue: Check = (value) =>
  /^[^=\s]+=[^\s]*$/.test(value) ? undefined : "must be key=value";

/** A node taint, `key=value:Effect` or `key:Effect`. */
export const taint: Check = (value) =>
  /^[^=:\s]+(=[^:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/.test(value)
    ? undefined
    : "must be key=value:Effect with Effect one of NoSchedule, PreferNoSchedule, NoExecute";
