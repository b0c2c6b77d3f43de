/**
 * The bundled k3s (`deno task bundle`, one `k3s.js`) as it is shipped: copied alone into an empty
 * folder, with nothing of this checkout beside it, it answers `--version` and `--help` and runs a
 * server on SQLite and on a real etcd that kubectl can use.
 *
 * @module
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startEtcd } from "../datastore/etcd/etcd_server.ts";
import {
  freePort,
  K3S_DENO_FLAGS,
  loopbackServerArgs,
  oldestAndNewestKubectl,
  REPO,
  run,
} from "./harness.ts";

/** Runs the `bundle` task's command with its output file moved to `output`. */
async function bundle(output: string): Promise<void> {
  const config = JSON.parse(await readFile(join(REPO, "deno.json"), "utf8"));
  const [deno, ...args] = (config.tasks.bundle as string).split(/\s+/);
  assert.equal(deno, "deno");
  const at = args.indexOf("-o");
  assert.ok(at >= 0, `the bundle task names its output with -o: ${config.tasks.bundle}`);
  args[at + 1] = output;
  const result = await run(Deno.execPath(), args, { cwd: REPO });
  assert.equal(result.code, 0, `deno bundle failed:\n${result.stderr}`);
}

interface BundledServer {
  kubeconfig: string;
  logs(): string;
  /** SIGTERM to the server's PID (SIGKILL after 10 s); waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `k3s server …` in `cwd`, `k3s` being `command` (by default `deno run -A k3s.js`), and
 * waits for "Server ready" (60 s at most).
 */
async function startBundled(
  cwd: string,
  dataDir: string,
  extra: string[],
  command = [Deno.execPath(), "run", "-A", "k3s.js"],
): Promise<BundledServer & { pid: number }> {
  const kubeconfig = join(dataDir, "kc.yaml");
  const port = await freePort();
  const child = new Deno.Command(command[0], {
    args: [
      ...command.slice(1),
      ...loopbackServerArgs(dataDir, port, kubeconfig),
      ...extra,
    ],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const collecting = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.finally(() => exited = true);
  const stop = async () => {
    if (!exited) Deno.kill(child.pid, "SIGTERM");
    const timer = setTimeout(() => !exited && Deno.kill(child.pid, "SIGKILL"), 10_000);
    await status;
    clearTimeout(timer);
    await collecting;
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes("Server ready")) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`The bundled server did not get ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { kubeconfig, logs: () => output, stop, pid: child.pid };
}

/** `/readyz` answers ok, and each kubectl (its cache under `home`) lists the namespaces. */
async function assertServes(server: BundledServer, home: string): Promise<void> {
  const env = { KUBECONFIG: server.kubeconfig, HOME: home };
  for (const { version, path } of oldestAndNewestKubectl()) {
    const ready = await run(path, ["get", "--raw", "/readyz"], { env });
    assert.equal(ready.stdout.trim(), "ok", `kubectl ${version}: ${ready.stderr}`);
    const namespaces = await run(path, ["get", "ns", "-o", "name"], { env });
    assert.equal(namespaces.code, 0, `kubectl ${version}: ${namespaces.stderr}`);
    assert.match(namespaces.stdout, /^namespace\/default$/m, `kubectl ${version}`);
    assert.match(namespaces.stdout, /^namespace\/kube-system$/m, `kubectl ${version}`);
  }
}

Deno.test("the bundle runs alone in an empty folder: --version, --help, a server on SQLite and on etcd", async (t) => {
  const work = await mkdtemp(join(tmpdir(), "k3s-bundle-"));
  try {
    await bundle(join(work, "build", "k3s.js"));
    const alone = join(work, "alone");
    await Deno.mkdir(alone);
    await copyFile(join(work, "build", "k3s.js"), join(alone, "k3s.js"));

    await t.step("--version and --help", async () => {
      const version = await run(Deno.execPath(), ["run", "-A", "k3s.js", "--version"], {
        cwd: alone,
      });
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /^k3s version v\d+\.\d+\.\d+\+k3s/);
      const help = await run(Deno.execPath(), ["run", "-A", "k3s.js", "--help"], { cwd: alone });
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /USAGE:/);
      assert.match(help.stdout, /server/);
    });

    await t.step("a server on SQLite", async () => {
      const server = await startBundled(alone, join(work, "sqlite"), []);
      try {
        // One file and nothing beside it: the PKI is made in the server's own process.
        assert.match(server.logs(), /Wrote certificates: server-ca/);
        await assertServes(server, work);
      } finally {
        await server.stop();
      }
    });

    await t.step("a server on etcd", async () => {
      const etcd = await startEtcd();
      try {
        const endpoint = ["--datastore-endpoint", etcd.endpoint];
        const server = await startBundled(alone, join(work, "etcd"), endpoint);
        try {
          await assertServes(server, work);
        } finally {
          await server.stop();
        }
      } finally {
        await etcd.stop();
      }
    });

    assert.deepEqual(await readdir(alone), ["k3s.js"], "the bundle wrote nothing beside itself");
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

/** Copies the files of this checkout git would commit (tracked or new, not ignored) to `to`. */
async function copyCheckout(to: string): Promise<void> {
  const listed = await run("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO });
  assert.equal(listed.code, 0, listed.stderr);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    const from = join(REPO, file);
    if (!(await Deno.lstat(from).catch(() => null))?.isFile) continue;
    await Deno.mkdir(dirname(join(to, file)), { recursive: true });
    await copyFile(from, join(to, file));
  }
  await Deno.chmod(join(to, "k3s"), 0o755);
}

Deno.test("./k3s builds dist/k3s when it is missing or older than a source, and execs it", async (t) => {
  const work = await mkdtemp(join(tmpdir(), "k3s-build-"));
  try {
    const checkout = join(work, "checkout");
    await copyCheckout(checkout);
    const k3s = join(checkout, "k3s");
    const built = join(checkout, "dist", "k3s", "main.js");

    await t.step(
      "the first run builds, the next does not, a newer source builds again",
      async () => {
        const first = await run(k3s, ["--version"], { cwd: work });
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stderr, /building .*dist\/k3s\/main\.js/);
        assert.match(first.stdout, /^k3s version v\d+\.\d+\.\d+\+k3s/);
        assert.ok((await Deno.stat(built)).isFile);

        const again = await run(k3s, ["--version"], { cwd: work });
        assert.equal(again.code, 0, again.stderr);
        assert.doesNotMatch(again.stderr, /building/);

        const later = new Date(Date.now() + 60_000);
        await Deno.utime(join(checkout, "kube", "meta.ts"), later, later);
        const rebuilt = await run(k3s, ["--version"], { cwd: work });
        assert.equal(rebuilt.code, 0, rebuilt.stderr);
        assert.match(rebuilt.stderr, /building/);
      },
    );

    await t.step(
      "the server it starts is the deno process itself, and kubectl can use it",
      async () => {
        const server = await startBundled(work, join(work, "data"), [], [k3s]);
        try {
          const cmdline = (await readFile(`/proc/${server.pid}/cmdline`, "utf8")).split("\0");
          assert.match(cmdline[0], /(^|\/)deno$/, `no wrapper process: ${cmdline.join(" ")}`);
          assert.ok(cmdline.includes(built), cmdline.join(" "));
          // The build's PKI program (server/pki/isolated.ts) made the first start's files.
          assert.match(server.logs(), /Wrote certificates \(made by a child process\): server-ca/);
          // The tests and benchmarks start k3s with the same deno flags (tests/harness.ts).
          assert.ok(K3S_DENO_FLAGS.length > 0);
          for (const flag of K3S_DENO_FLAGS) assert.ok(cmdline.includes(flag), cmdline.join(" "));
          await assertServes(server, work);
        } finally {
          await server.stop();
        }
      },
    );

    await t.step(
      "a first start refused for a bad flag exits after the PKI child has written everything",
      async () => {
        const dataDir = join(work, "refused");
        const refused = await run(k3s, [
          ...loopbackServerArgs(dataDir, await freePort(), join(dataDir, "kc.yaml")),
          "--kube-apiserver-arg=no-such-flag=1",
        ], { cwd: work, env: { NO_COLOR: "1" } });
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /kube-apiserver has no flag --no-such-flag/);
        const tls = join(dataDir, "server", "tls");
        const atExit = (await readdir(tls, { recursive: true })).sort();
        assert.ok(atExit.includes("client-admin.key"), atExit.join(" "));
        // Nothing is still writing into the data dir once k3s has exited.
        await new Promise((r) => setTimeout(r, 1_500));
        assert.deepEqual((await readdir(tls, { recursive: true })).sort(), atExit);
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
