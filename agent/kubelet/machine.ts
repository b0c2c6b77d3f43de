/**
 * What the node reports about the machine: CPUs, memory, the filesystem of the kubelet's
 * root, the OS image, kernel, architecture and machine identifiers, read from `/proc`, `/etc`
 * and `statfs`.
 *
 * @module
 */
import { readFile, statfs } from "node:fs/promises";
import { arch, cpus, release } from "node:os";

export interface MachineInfo {
  cpus: number;
  /** Bytes. */
  memoryTotal: number;
  memoryAvailable: number;
  /** Bytes of the kubelet root's filesystem. */
  diskTotal: number;
  diskAvailable: number;
  osImage: string;
  kernelVersion: string;
  /** Go's name: `amd64`, `arm64`, `arm`. */
  architecture: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  pidMax: number;
  pids: number;
}

const GO_ARCH: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
};

export function goArch(nodeArch = arch()): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

async function text(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return "";
  }
}

/** `PRETTY_NAME` of os-release text. */
export function osImageOf(osRelease: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  if (!m) return "Linux";
  return m[1].replace(/^"(.*)"$/, "$1");
}

/** MemTotal and MemAvailable of /proc/meminfo text, in bytes. */
export function parseMeminfo(meminfo: string): { total: number; available: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(meminfo);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { total: kb("MemTotal"), available: kb("MemAvailable") };
}

/** Reads the machine; `diskPath` is the filesystem whose size counts (the kubelet root). */
export async function readMachineInfo(diskPath: string): Promise<MachineInfo> {
  const mem = parseMeminfo(await text("/proc/meminfo"));
  let diskTotal = 0;
  let diskAvailable = 0;
  for (let path = diskPath; path; path = path.slice(0, path.lastIndexOf("/"))) {
    try {
      const fs = await statfs(path || "/");
      diskTotal = fs.blocks * fs.bsize;
      diskAvailable = fs.bavail * fs.bsize;
      break;
    } catch {
      // Not created yet: measure its parent.
    }
  }
  let pids = 0;
  try {
    const loadavg = await text("/proc/loadavg");
    pids = Number(loadavg.split(" ")[3]?.split("/")[1] ?? 0);
  } catch {
    pids = 0;
  }
  return {
    cpus: cpus().length || 1,
    memoryTotal: mem.total,
    memoryAvailable: mem.available,
    diskTotal,
    diskAvailable,
    osImage: osImageOf(await text("/etc/os-release")),
    kernelVersion: release(),
    architecture: goArch(),
    machineID: await text("/etc/machine-id"),
    systemUUID: (await text("/sys/class/dmi/id/product_uuid")).toLowerCase(),
    bootID: await text("/proc/sys/kernel/random/boot_id"),
    pidMax: Number(await text("/proc/sys/kernel/pid_max")) || 32768,
    pids,
  };
}
