/**
 * The node's address when `--node-ip` is not given, chosen as K3s does: the IPv4 address of the
 * interface holding the default route, else the first non-loopback IPv4 address, else loopback.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";

/** The interface of the IPv4 default route in `/proc/net/route` text. */
export function defaultRouteInterface(routeTable: string): string | undefined {
  for (const line of routeTable.split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (destination === "00000000" && mask === "00000000") return iface;
  }
  return undefined;
}

export async function detectNodeIp(): Promise<string> {
  const table = await readFile("/proc/net/route", "utf8").catch(() => "");
  const iface = defaultRouteInterface(table);
  const all = networkInterfaces();
  const v4 = (name: string) =>
    (all[name] ?? []).find((a) => a.family === "IPv4" && !a.internal)?.address;
  if (iface) {
    const ip = v4(iface);
    if (ip) return ip;
  }
  for (const name of Object.keys(all).sort()) {
    if (name === "cni0" || name.startsWith("veth") || name.startsWith("flannel")) continue;
    const ip = v4(name);
    if (ip) return ip;
  }
  return "127.0.0.1";
}
