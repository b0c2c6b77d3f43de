/**
 * For tests: a real containerd (Debian's, with runc) started through {@link startContainerRuntime}
 * exactly as the agent starts it, but with everything of its own: a temporary data dir, its own
 * root, state dir and socket, by default its own network namespace (so its CRI stream port,
 * host-network pods and CNI bridge touch nothing of the machine's), pod network namespaces under
 * its state dir, and a `registries.yaml` of the test's choosing.
 *
 * `stop()` removes every trace, also after a failed test: pods through CRI, then containerd by
 * PID, leftover shims and runc containers of this instance only, its mounts, its network
 * namespace and its files.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import type { Logger } from "../../kube/client/log.ts";
import { GrpcCriClient } from "../../cri/grpc_client.ts";
import { containerdPaths } from "./paths.ts";
import { freePort } from "../../tests/harness.ts";
import { type ContainerRuntime, startContainerRuntime } from "./run.ts";

const run = promisify(execFile);

/** runc's state root for containerd's `k8s.io` namespace (the runc v2 shim's default). */
const RUNC_ROOT = "/run/containerd/runc/k8s.io";

export interface TestContainerdOptions {
  /** Image tarballs copied to `<data-dir>/agent/images`, imported at start. */
  imageTarballs?: string[];
  /** Text of the `registries.yaml` given as `--private-registry` (none when absent). */
  registriesYaml?: string;
  /** Run in a new network namespace; default true. */
  ownNetns?: boolean;
  /** Subnet of a bridge CNI network for pods (`null`: no CNI config); default 10.88.0.0/24. */
  podSubnet?: string | null;
  /** `--pause-image`; default K3s's. */
  pauseImage?: string;
  /** `--snapshotter`; default detection. */
  snapshotter?: string;
}

/** Log lines kept in memory, for assertions. */
export interface MemoryLogger extends Logger {
  lines: string[];
}

export interface TestContainerd {
  dataDir: string;
  /** `unix://<socket>`. */
  endpoint: string;
  /** The socket path. */
  address: string;
  /** A directory for pod logs (`PodSandboxConfig.logDirectory` goes below it). */
  podLogDir: string;
  /** `/run/netns/<name>` when running in its own network namespace. */
  netns?: string;
  runtime: ContainerRuntime;
  /** A CRI client on the socket (closed by stop()). */
  client: GrpcCriClient;
  log: MemoryLogger;
  /** Removes everything this instance created. */
  stop(): Promise<void>;
}

/** A logger that keeps `LEVEL message` lines. */
export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
    debug: (m) => lines.push(`DEBUG ${m}`),
  };
}

/** Starts a test containerd as described in the module doc. */
export async function startTestContainerd(
  options: TestContainerdOptions = {},
): Promise<TestContainerd> {
  const base = await mkdtemp(join(tmpdir(), "k3s-cri-"));
  const dataDir = join(base, "data");
  const state = join(base, "state");
  const paths = containerdPaths(dataDir, state);
  const podLogDir = join(base, "pods");
  const log = memoryLogger();
  let netnsName: string | undefined;
  let bridge: string | undefined;
  let runtime: ContainerRuntime | undefined;
  let client: GrpcCriClient | undefined;
  const stop = async () => {
    await cleanup({ base, state, address: paths.address, netnsName, bridge, runtime, client });
  };
  try {
    await mkdir(podLogDir, { recursive: true });
    await mkdir(paths.imagesDir, { recursive: true });
    for (const tarball of options.imageTarballs ?? []) {
      await copyFile(tarball, join(paths.imagesDir, basename(tarball)));
    }
    const registries = join(base, "registries.yaml");
    if (options.registriesYaml !== undefined) {
      await writeFile(registries, options.registriesYaml);
    }
    const subnet = options.podSubnet === undefined ? "10.88.0.0/24" : options.podSubnet;
    if (subnet) {
      bridge = `cni-${basename(base).slice(-6)}`;
      await writeCniConfig(paths.cniConfDir, bridge, subnet, join(base, "cni-ipam"));
    }
    if (options.ownNetns ?? true) {
      netnsName = basename(base);
      await run("ip", ["netns", "add", netnsName]);
      await run("ip", ["-n", netnsName, "link", "set", "lo", "up"]);
    }
    runtime = await startContainerRuntime({
      dataDir,
      containerdState: state,
      privateRegistry: registries,
      pauseImage: options.pauseImage,
      snapshotter: options.snapshotter,
      netnsMountsUnderStateDir: true,
      netns: netnsName ? `/run/netns/${netnsName}` : undefined,
      streamServerPort: netnsName ? undefined : await freePort(),
      startTimeoutMs: 30_000,
      log,
    });
    client = new GrpcCriClient({ endpoint: runtime.endpoint, timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dataDir,
    endpoint: runtime.endpoint,
    address: paths.address,
    podLogDir,
    netns: netnsName ? `/run/netns/${netnsName}` : undefined,
    runtime,
    client,
    log,
    stop,
  };
}

/** A bridge network (in containerd's network namespace) with host-local addresses. */
async function writeCniConfig(
  dir: string,
  bridge: string,
  subnet: string,
  ipamDir: string,
): Promise<void> {
  const config = {
    cniVersion: "1.0.0",
    name: "k3s-test",
    plugins: [
      {
        type: "bridge",
        bridge,
        isGateway: true,
        ipMasq: false,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: ipamDir,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "10-k3s-test.conflist"), JSON.stringify(config, null, 2));
}

interface CleanupState {
  base: string;
  state: string;
  address: string;
  netnsName?: string;
  bridge?: string;
  runtime?: ContainerRuntime;
  client?: GrpcCriClient;
}

async function cleanup(s: CleanupState): Promise<void> {
  if (s.client && s.runtime?.supervisor?.pid) {
    try {
      for (const sandbox of await s.client.listPodSandbox(undefined, { timeoutMs: 10_000 })) {
        await s.client.stopPodSandbox(sandbox.id, { timeoutMs: 30_000 }).catch(() => {});
        await s.client.removePodSandbox(sandbox.id, { timeoutMs: 30_000 }).catch(() => {});
      }
    } catch {
      // containerd is down: the steps below clean up without it.
    }
  }
  s.client?.close();
  await s.runtime?.stop();
  await killLeftovers(s.state, s.address);
  await unmountUnder(s.base);
  if (s.netnsName) await run("ip", ["netns", "delete", s.netnsName]).catch(() => {});
  else if (s.bridge) await run("ip", ["link", "delete", s.bridge]).catch(() => {});
  await rm(s.base, { recursive: true, force: true });
}

/** Kills the runc containers and shims this instance left behind (by id and PID, no others). */
async function killLeftovers(state: string, address: string): Promise<void> {
  const tasks = join(state, "io.containerd.runtime.v2.task", "k8s.io");
  const ids = await readdir(tasks).catch(() => [] as string[]);
  for (const id of ids) {
    await run("runc", ["--root", RUNC_ROOT, "kill", id, "KILL"]).catch(() => {});
    await run("runc", ["--root", RUNC_ROOT, "delete", "--force", id]).catch(() => {});
  }
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const args = cmdline.split("\0");
    const shim = args[0]?.includes("containerd-shim");
    if (shim && args[args.indexOf("-address") + 1] === address) {
      try {
        process.kill(Number(entry), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}

/** Unmounts every mount point under `dir`, deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const points = mountinfo.split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point) => point && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    await run("umount", [point]).catch(() => run("umount", ["-l", point]).catch(() => {}));
  }
}
