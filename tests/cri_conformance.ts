/**
 * The CRI conformance suite: what the kubelet relies on from a {@link RuntimeService} and
 * {@link ImageService}, run as test steps against any implementation (the gRPC client on a real
 * containerd in `cri_test.ts`; a fake runtime for kubelet unit tests can run it too, opting out
 * of the cases that need real processes).
 *
 * Every case makes its own sandboxes, labelled with this run's id, and removes them; the last
 * case checks that nothing labelled is left.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ContainerConfig,
  type ContainerState,
  isNotFound,
  type PodSandboxConfig,
} from "../cri/mod.ts";
import type { ImageService, RuntimeService } from "../cri/service.ts";

export interface CriTarget {
  runtime: RuntimeService;
  images: ImageService;
  /** An image the runtime already has, with a busybox userland (`sh`, `sleep`, `cat`, `ip`). */
  busyboxImage: string;
  /** An image the suite may remove; the removal case is skipped without one. */
  removableImage?: string;
  /** A directory for the pod log directories the suite creates. */
  logDir: string;
  /** Containers run real processes (exec output, logs, cgroups); default true. */
  realProcesses?: boolean;
  /** Sandboxes without host networking get an address in this IPv4 `/24` (e.g. `10.88.0.0/24`). */
  podSubnet?: string;
}

const RUN_LABEL = "k3s.io/cri-conformance-run";
const decoder = new TextDecoder();

/** Registers the suite's cases as steps of `t`. */
export async function criConformance(t: Deno.TestContext, target: CriTarget): Promise<void> {
  const run = crypto.randomUUID().slice(0, 8);
  const suite = new Suite(target, run);
  for (const [name, body] of Object.entries(cases)) {
    const needs = requirements[name] ?? [];
    const ignore = needs.some((need) => !suite.has(need));
    await t.step({ name, ignore, fn: () => body(suite) });
  }
}

type Need = "processes" | "podNetwork" | "removableImage";

const requirements: Record<string, Need[]> = {
  "execSync() runs a command and returns its output and exit code": ["processes"],
  "a container that exits reports its exit code, reason and times": ["processes"],
  "container output goes to the log path in CRI format": ["processes"],
  "reopenContainerLog() continues the log in a new file after rotation": ["processes"],
  "updateContainerResources() changes a running container's memory limit": ["processes"],
  "a pod-network sandbox gets an address from CNI": ["podNetwork", "processes"],
  "removeImage() removes an image; removing it again succeeds": ["removableImage"],
};

/** Shared state and helpers of one run. */
class Suite {
  readonly runtime: RuntimeService;
  readonly images: ImageService;
  readonly target: CriTarget;
  readonly run: string;
  #count = 0;

  constructor(target: CriTarget, run: string) {
    this.target = target;
    this.runtime = target.runtime;
    this.images = target.images;
    this.run = run;
  }

  has(need: Need): boolean {
    if (need === "processes") return this.target.realProcesses ?? true;
    if (need === "podNetwork") return this.target.podSubnet !== undefined;
    return this.target.removableImage !== undefined;
  }

  /** A sandbox config with a unique name, this run's label and a log directory. */
  sandboxConfig(hostNetwork = true): PodSandboxConfig {
    const name = `conformance-${this.run}-${++this.#count}`;
    const uid = crypto.randomUUID();
    return {
      metadata: { name, uid, namespace: "default", attempt: 0 },
      // The kubelet sets no hostname for host-network pods: they share the node's UTS namespace.
      hostname: hostNetwork ? undefined : name,
      logDirectory: join(this.target.logDir, `default_${name}_${uid}`),
      labels: { [RUN_LABEL]: this.run, "io.kubernetes.pod.name": name },
      annotations: { "conformance/note": "made by the CRI conformance suite" },
      linux: hostNetwork
        ? { securityContext: { namespaceOptions: { network: "NODE", pid: "POD", ipc: "POD" } } }
        : {},
    };
  }

  containerConfig(name: string, command: string[]): ContainerConfig {
    return {
      metadata: { name, attempt: 0 },
      image: { image: this.target.busyboxImage },
      command,
      envs: [{ key: "GREETING", value: "hello from conformance" }],
      labels: { [RUN_LABEL]: this.run, "io.kubernetes.container.name": name },
      logPath: `${name}/0.log`,
    };
  }

  /** Runs a sandbox for `body`, then stops and removes it, also when `body` fails. */
  async withSandbox(
    body: (id: string, config: PodSandboxConfig) => Promise<void>,
    hostNetwork = true,
  ): Promise<void> {
    const config = this.sandboxConfig(hostNetwork);
    const id = await this.runtime.runPodSandbox(config);
    try {
      await body(id, config);
    } finally {
      await this.runtime.stopPodSandbox(id);
      await this.runtime.removePodSandbox(id);
    }
  }

  /** Creates and starts a container running `command`; resolves to its id. */
  async start(sandbox: string, config: PodSandboxConfig, name: string, command: string[]) {
    const id = await this.runtime.createContainer(
      sandbox,
      this.containerConfig(name, command),
      config,
    );
    await this.runtime.startContainer(id);
    return id;
  }

  async waitForState(id: string, state: ContainerState, timeoutMs = 20_000) {
    return await eventually(async () => {
      const { status } = await this.runtime.containerStatus(id);
      assert.equal(status?.state, state);
      return status!;
    }, timeoutMs);
  }
}

/** Retries `check` until it passes or `timeoutMs` is over (then its last error is thrown). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** A nanosecond timestamp from the last few minutes. */
function assertRecent(nanoseconds: number, what: string) {
  const ms = nanoseconds / 1e6;
  assert.ok(Math.abs(Date.now() - ms) < 5 * 60_000, `${what} ${nanoseconds} is not recent`);
}

const SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

/** One CRI log line: `<RFC3339Nano> <stream> <F|P> <text>`. */
const CRI_LOG_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) ([FP]) (.*)$/;

const cases: Record<string, (s: Suite) => Promise<void>> = {
  "version() names the runtime and speaks CRI v1": async (s) => {
    const version = await s.runtime.version();
    assert.equal(version.runtimeApiVersion, "v1");
    assert.ok(version.runtimeName.length > 0, "runtimeName is empty");
    assert.ok(version.runtimeVersion.length > 0, "runtimeVersion is empty");
  },

  "status() reports the runtime and its network ready": async (s) => {
    const { status } = await s.runtime.status();
    const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(conditions.RuntimeReady?.status, true, JSON.stringify(conditions.RuntimeReady));
    assert.equal(conditions.NetworkReady?.status, true, JSON.stringify(conditions.NetworkReady));
  },

  "imageStatus() and listImages() show an image; a missing image has no status": async (s) => {
    const { image } = await s.images.imageStatus({ image: s.target.busyboxImage });
    assert.ok(image, `imageStatus has no image for ${s.target.busyboxImage}`);
    assert.match(image.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(image.repoTags.includes(s.target.busyboxImage), image.repoTags.join(", "));
    assert.ok(image.size > 0);
    const listed = await s.images.listImages();
    assert.deepEqual(listed.filter((i) => i.id === image.id).map((i) => i.repoTags), [
      image.repoTags,
    ]);
    const byId = await s.images.imageStatus({ image: image.id });
    assert.equal(byId.image?.id, image.id);
    const missing = await s.images.imageStatus({ image: "docker.io/library/missing:nope" });
    assert.equal(missing.image, undefined);
  },

  "imageFsInfo() names the image filesystem": async (s) => {
    const info = await s.images.imageFsInfo();
    assert.ok(info.imageFilesystems.length > 0);
    assert.ok(info.imageFilesystems[0].fsId?.mountpoint, "no mountpoint");
  },

  "pullImage() from an unreachable registry fails with the runtime's error": async (s) => {
    await assert.rejects(
      s.images.pullImage({ image: "127.0.0.1:1/conformance/unreachable:1" }),
      (error: Error) => {
        assert.match(error.message, /^Cannot PullImage: .+/);
        return true;
      },
    );
  },

  "a host-network sandbox runs, reports READY with its metadata, and is listed": async (s) => {
    await s.withSandbox(async (id, config) => {
      const { status } = await s.runtime.podSandboxStatus(id);
      assert.equal(status?.id, id);
      assert.equal(status?.state, "SANDBOX_READY");
      assert.deepEqual(status?.metadata, config.metadata);
      assert.equal(status?.labels[RUN_LABEL], s.run);
      assert.equal(
        status?.annotations["conformance/note"],
        config.annotations!["conformance/note"],
      );
      assert.equal(status?.linux?.namespaces?.options?.network, "NODE");
      assertRecent(status!.createdAt, "createdAt");
      const listed = await s.runtime.listPodSandbox({ labelSelector: { [RUN_LABEL]: s.run } });
      assert.deepEqual(listed.map((p) => [p.id, p.state, p.metadata?.name]), [
        [id, "SANDBOX_READY", config.metadata.name],
      ]);
      const notReady = await s.runtime.listPodSandbox({ id, state: { state: "SANDBOX_NOTREADY" } });
      assert.deepEqual(notReady, []);
    });
  },

  "a container goes from CREATED to RUNNING to EXITED, and is listed by filters": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const id = await s.runtime.createContainer(
        sandbox,
        s.containerConfig("sleeper", SLEEPER),
        config,
      );
      const created = await s.runtime.containerStatus(id);
      assert.equal(created.status?.state, "CONTAINER_CREATED");
      assert.equal(created.status?.metadata?.name, "sleeper");
      assert.equal(created.status?.logPath, join(config.logDirectory!, "sleeper/0.log"));
      await s.runtime.startContainer(id);
      const running = await s.waitForState(id, "CONTAINER_RUNNING");
      assertRecent(running.startedAt, "startedAt");
      assert.match(running.imageRef, /sha256:[0-9a-f]{64}/);
      const bySandbox = await s.runtime.listContainers({ podSandboxId: sandbox });
      assert.deepEqual(bySandbox.map((c) => [c.id, c.state, c.podSandboxId]), [
        [id, "CONTAINER_RUNNING", sandbox],
      ]);
      const byLabel = await s.runtime.listContainers({
        labelSelector: { "io.kubernetes.container.name": "sleeper", [RUN_LABEL]: s.run },
      });
      assert.deepEqual(byLabel.map((c) => c.id), [id]);
      const exited = await s.runtime.listContainers({ state: { state: "CONTAINER_EXITED" } });
      assert.ok(!exited.some((c) => c.id === id));
      await s.runtime.stopContainer(id, 10);
      const stopped = await s.waitForState(id, "CONTAINER_EXITED");
      assert.ok(stopped.finishedAt >= stopped.startedAt);
      await s.runtime.stopContainer(id, 10);
      await s.runtime.removeContainer(id);
      assert.deepEqual(await s.runtime.listContainers({ id }), []);
      await s.runtime.removeContainer(id);
    });
  },

  "execSync() runs a command and returns its output and exit code": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const id = await s.start(sandbox, config, "exec", SLEEPER);
      const result = await s.runtime.execSync(
        id,
        ["sh", "-c", 'echo "$GREETING"; echo to-stderr >&2; exit 3'],
        10,
      );
      assert.equal(decoder.decode(result.stdout), "hello from conformance\n");
      assert.equal(decoder.decode(result.stderr), "to-stderr\n");
      assert.equal(result.exitCode, 3);
    });
  },

  "a container that exits reports its exit code, reason and times": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const failing = await s.start(sandbox, config, "failing", ["sh", "-c", "exit 7"]);
      const succeeding = await s.start(sandbox, config, "succeeding", ["true"]);
      const failed = await s.waitForState(failing, "CONTAINER_EXITED");
      assert.equal(failed.exitCode, 7);
      assert.equal(failed.reason, "Error");
      // Both are set and recent; their order is not reliable for a process that exits at once
      // (containerd may see the exit before it records the start).
      assertRecent(failed.startedAt, "startedAt");
      assertRecent(failed.finishedAt, "finishedAt");
      const done = await s.waitForState(succeeding, "CONTAINER_EXITED");
      assert.equal(done.exitCode, 0);
      assert.equal(done.reason, "Completed");
    });
  },

  "container output goes to the log path in CRI format": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const script = "echo first line; echo on stderr >&2; echo last line";
      const id = await s.start(sandbox, config, "logger", ["sh", "-c", script]);
      const status = await s.waitForState(id, "CONTAINER_EXITED");
      const lines = await eventually(async () => {
        const text = await readFile(status.logPath, "utf8");
        const parsed = text.trimEnd().split("\n").map((line) => CRI_LOG_LINE.exec(line));
        assert.equal(parsed.length, 3, text);
        return parsed;
      });
      for (const line of lines) assert.ok(line, "a line is not in CRI log format");
      // stdout and stderr are copied separately: only each stream's own order is kept.
      const stream = (name: string) => lines.filter((m) => m![2] === name).map((m) => m![4]);
      assert.deepEqual(stream("stdout"), ["first line", "last line"]);
      assert.deepEqual(stream("stderr"), ["on stderr"]);
      assert.ok(lines.every((m) => m![3] === "F"), "a short line was marked partial");
      assertRecent(Date.parse(lines[0]![1]) * 1e6, "the log timestamp");
    });
  },

  "reopenContainerLog() continues the log in a new file after rotation": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const script = "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done";
      const id = await s.start(sandbox, config, "ticker", ["sh", "-c", script]);
      const { status } = await s.runtime.containerStatus(id);
      await eventually(async () => assert.match(await readFile(status!.logPath, "utf8"), /tick/));
      await rename(status!.logPath, `${status!.logPath}.1`);
      await s.runtime.reopenContainerLog(id);
      await eventually(async () => {
        assert.match(await readFile(status!.logPath, "utf8"), /stdout F tick \d+/);
      });
    });
  },

  "exec(), attach() and portForward() answer with streaming URLs": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const id = await s.start(sandbox, config, "streams", SLEEPER);
      const exec = await s.runtime.exec({ containerId: id, cmd: ["sh"], stdout: true });
      const attach = await s.runtime.attach({ containerId: id, stdout: true, stderr: true });
      const forward = await s.runtime.portForward(sandbox, [80]);
      for (const url of [exec, attach, forward]) assert.match(url, /^https?:\/\/[^/]+\/\S+/);
    });
  },

  "containerStats() and listContainerStats() report a running container": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const id = await s.start(sandbox, config, "stats", SLEEPER);
      const stats = await s.runtime.containerStats(id);
      assert.equal(stats.attributes?.id, id);
      assert.equal(stats.attributes?.metadata?.name, "stats");
      assert.ok(stats.cpu && stats.memory, "no cpu or memory stats");
      const listed = await s.runtime.listContainerStats({ podSandboxId: sandbox });
      assert.deepEqual(listed.map((entry) => entry.attributes?.id), [id]);
    });
  },

  "updateContainerResources() changes a running container's memory limit": async (s) => {
    await s.withSandbox(async (sandbox, config) => {
      const id = await s.start(sandbox, config, "limited", SLEEPER);
      const limit = 64 * 1024 * 1024;
      await s.runtime.updateContainerResources(id, { memoryLimitInBytes: limit });
      const read = "cat /sys/fs/cgroup/memory.max 2>/dev/null || " +
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes";
      const result = await s.runtime.execSync(id, ["sh", "-c", read], 10);
      assert.equal(decoder.decode(result.stdout).trim(), String(limit));
    });
  },

  "stopPodSandbox() stops its containers; removePodSandbox() removes them; both repeat": async (
    s,
  ) => {
    const config = s.sandboxConfig();
    const sandbox = await s.runtime.runPodSandbox(config);
    try {
      const id = await s.start(sandbox, config, "inside", SLEEPER);
      await s.runtime.stopPodSandbox(sandbox);
      const { status } = await s.runtime.podSandboxStatus(sandbox);
      assert.equal(status?.state, "SANDBOX_NOTREADY");
      await s.waitForState(id, "CONTAINER_EXITED");
      await s.runtime.stopPodSandbox(sandbox);
    } finally {
      await s.runtime.stopPodSandbox(sandbox);
      await s.runtime.removePodSandbox(sandbox);
    }
    assert.deepEqual(await s.runtime.listContainers({ podSandboxId: sandbox }), []);
    assert.deepEqual(await s.runtime.listPodSandbox({ id: sandbox }), []);
    await assert.rejects(s.runtime.podSandboxStatus(sandbox), isNotFoundError);
    await s.runtime.removePodSandbox(sandbox);
  },

  "a pod-network sandbox gets an address from CNI": async (s) => {
    const prefix = s.target.podSubnet!.split(".").slice(0, 3).join(".") + ".";
    await s.withSandbox(async (sandbox, config) => {
      const { status } = await s.runtime.podSandboxStatus(sandbox);
      const ip = status?.network?.ip ?? "";
      assert.ok(ip.startsWith(prefix), `sandbox IP "${ip}" is not in ${s.target.podSubnet}`);
      assert.equal(status?.linux?.namespaces?.options?.network, "POD");
      const id = await s.start(sandbox, config, "net", SLEEPER);
      const shown = await s.runtime.execSync(id, ["ip", "-4", "addr", "show", "eth0"], 10);
      assert.match(decoder.decode(shown.stdout), new RegExp(`inet ${ip.replaceAll(".", "\\.")}/`));
      const hostname = await s.runtime.execSync(id, ["hostname"], 10);
      assert.equal(decoder.decode(hostname.stdout).trim(), config.hostname);
    }, false);
  },

  "operations on a missing sandbox or container fail with NOT_FOUND": async (s) => {
    const missing = "0".repeat(64);
    await assert.rejects(s.runtime.containerStatus(missing), isNotFoundError);
    await assert.rejects(s.runtime.podSandboxStatus(missing), isNotFoundError);
    await assert.rejects(s.runtime.startContainer(missing), isNotFoundError);
  },

  "removeImage() removes an image; removing it again succeeds": async (s) => {
    const image = { image: s.target.removableImage! };
    assert.ok((await s.images.imageStatus(image)).image, "the removable image is missing");
    await s.images.removeImage(image);
    assert.equal((await s.images.imageStatus(image)).image, undefined);
    await s.images.removeImage(image);
  },

  "no sandbox or container of this run is left": async (s) => {
    const labelSelector = { [RUN_LABEL]: s.run };
    assert.deepEqual(await s.runtime.listPodSandbox({ labelSelector }), []);
    assert.deepEqual(await s.runtime.listContainers({ labelSelector }), []);
  },
};

function isNotFoundError(error: unknown): boolean {
  assert.ok(isNotFound(error), `expected a NOT_FOUND CriError, got ${error}`);
  return true;
}
