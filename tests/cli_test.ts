/**
 * The `k3s` command line as a user meets it: `deno run -A main.ts …` in a subprocess, with a
 * clean environment and config files in a temporary directory.
 *
 * Config precedence is observed through errors: each case ends in a deliberate
 * `--token`/`--token-file` conflict, which is checked only after every value was resolved, so
 * reaching it shows which source won without ever starting a server.
 *
 * @module
 */
import assert from "node:assert/strict";

const main = new URL("../main.ts", import.meta.url).pathname;
const conflict = "Error: flags --token and --token-file cannot be used together\n";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function k3s(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) base[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", main, ...args],
    env: { ...base, ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Asserts exit 1 with exactly one line on stderr. */
function assertError(result: Result, line: string): void {
  assert.equal(result.stderr, line.endsWith("\n") ? line : `${line}\n`);
  assert.equal(result.code, 1);
}

async function withConfig(
  files: Record<string, string>,
  fn: (config: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "k3s_cli_test_" });
  try {
    await Deno.mkdir(`${dir}/config.yaml.d`);
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(`${dir}/config.yaml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("k3s --version prints the k3s line and the runtime line", async () => {
  for (const flag of ["--version", "-v"]) {
    const result = await k3s([flag]);
    assert.equal(result.code, 0);
    assert.match(
      result.stdout,
      /^k3s version v1\.33\.5\+k3s1-deno \((\w{8}|dev)\)\ndeno \d+\.\d+\.\d+\n$/,
    );
  }
});

Deno.test("k3s --help lists the commands", async () => {
  const result = await k3s(["--help"]);
  assert.equal(result.code, 0);
  for (const name of ["server", "agent", "kubectl", "token", "etcd-snapshot", "check-config"]) {
    assert.match(result.stdout, new RegExp(`^ +${name} `, "m"));
  }
});

Deno.test("k3s server --help lists --data-dir with K3S_DATA_DIR and its default", async () => {
  const result = await k3s(["server", "--help"]);
  assert.equal(result.code, 0);
  assert.match(
    result.stdout,
    /--data-dir DIR, -d DIR .*"\/var\/lib\/rancher\/k3s".*\[\$K3S_DATA_DIR\]/,
  );
  assert.match(result.stdout, /^ {3}Database:$/m);
});

Deno.test("k3s rejects an unknown flag in one line naming it", async () => {
  assertError(await k3s(["server", "--no-such-flag=1"]), "Error: unknown flag: --no-such-flag");
  assertError(await k3s(["agent", "--bogus"]), "Error: unknown flag: --bogus");
});

Deno.test("k3s rejects a bad port value naming the flag", async () => {
  assertError(
    await k3s(["server", "--https-listen-port=abc"]),
    'Error: invalid value "abc" for flag --https-listen-port: must be an integer',
  );
  assertError(
    await k3s(["server", "--https-listen-port", "65536"]),
    'Error: invalid value "65536" for flag --https-listen-port: must be between 1 and 65535',
  );
});

Deno.test("k3s rejects --token with --token-file, and an agent without --server", async () => {
  assertError(await k3s(["server", "-t", "a", "--token-file", "/t"]), conflict);
  assertError(
    await k3s(["agent", "-t", "a"]),
    "Error: flag --server is required (or set $K3S_URL)",
  );
});

Deno.test("k3s merges config.yaml.d after config.yaml; a key+ appends, a key replaces", async () => {
  const replaced = {
    "config.yaml": "disable: [not-a-component]\nhttps-listen-port: abc\n",
    "config.yaml.d/10-a.yaml": "disable: [traefik]\n",
    "config.yaml.d/20-b.yaml": "https-listen-port: 7443\ntoken: t\ntoken-file: /t\n",
  };
  await withConfig(replaced, async (config) => {
    assertError(await k3s(["server", "--config", config]), conflict);
  });
  const appended = { ...replaced, "config.yaml.d/10-a.yaml": "disable+: [traefik]\n" };
  await withConfig(appended, async (config) => {
    assertError(
      await k3s(["server", "-c", config]),
      `Error: invalid value "not-a-component" for flag --disable (from ${config}): must be one of ` +
        "coredns, servicelb, traefik, local-storage, metrics-server",
    );
  });
});

Deno.test("k3s falls back to K3S_* environment variables", async () => {
  assertError(
    await k3s(["server"], { K3S_KUBECONFIG_MODE: "rw", K3S_CONFIG_FILE: "/dev/null" }),
    'Error: invalid value "rw" for flag --write-kubeconfig-mode (from $K3S_KUBECONFIG_MODE): ' +
      "must be an octal file mode such as 0600",
  );
  const env = { K3S_URL: "https://10.0.0.1:6443", K3S_TOKEN: "a", K3S_CONFIG_FILE: "/dev/null" };
  assertError(await k3s(["agent", "--token-file=/t"], env), conflict);
});

Deno.test("k3s ranks a flag over the config file, and the config file over the environment", async () => {
  const files = { "config.yaml": "https-listen-port: abc\nwrite-kubeconfig-mode: '0644'\n" };
  await withConfig(files, async (config) => {
    const env = { K3S_CONFIG_FILE: config, K3S_KUBECONFIG_MODE: "rw" };
    assertError(
      await k3s(["server", "--https-listen-port=7443", "-t", "a", "--token-file=/t"], env),
      conflict,
    );
    assertError(
      await k3s(["server"], env),
      `Error: invalid value "abc" for flag --https-listen-port (from ${config}): must be an integer`,
    );
  });
});

Deno.test("k3s warns about unknown config keys and rejects a missing --config", async () => {
  await withConfig(
    { "config.yaml": "flannel-backend: none\ntoken: a\ntoken-file: /t\n" },
    async (config) => {
      const result = await k3s(["server", "--config", config]);
      assert.equal(
        result.stderr,
        `Warning: unknown flag "flannel-backend" in ${config}, skipping\n${conflict}`,
      );
      assert.equal(result.code, 1);
      assertError(
        await k3s(["server", "--config", `${config}.missing`]),
        `Error: config file ${config}.missing does not exist`,
      );
    },
  );
});

Deno.test("k3s placeholders and unknown commands fail clearly", async () => {
  assertError(
    await k3s(["etcd-snapshot", "save"]),
    'Error: "k3s etcd-snapshot" is not implemented yet',
  );
  assertError(await k3s(["nope"]), 'Error: unknown command "nope" (run "k3s --help" for the list)');
});

Deno.test("k3s kubectl version --client runs the real kubectl", async () => {
  const result = await k3s(["kubectl", "version", "--client"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Client Version: v\d+\.\d+/);
});

Deno.test("k3s kubectl passes arguments, KUBECONFIG and the exit code through", async () => {
  const bin = await Deno.makeTempDir({ prefix: "k3s_cli_test_bin_" });
  try {
    await Deno.writeTextFile(
      `${bin}/kubectl`,
      '#!/bin/sh\necho "KUBECONFIG=$KUBECONFIG"\nfor a in "$@"; do echo "arg=$a"; done\nexit 7\n',
      { mode: 0o755 },
    );
    const path = `${bin}:${Deno.env.get("PATH") ?? ""}`;
    const defaulted = await k3s(["kubectl", "get", "pods", "-A", "--help"], { PATH: path });
    assert.equal(defaulted.code, 7);
    assert.equal(
      defaulted.stdout,
      "KUBECONFIG=/etc/rancher/k3s/k3s.yaml\narg=get\narg=pods\narg=-A\narg=--help\n",
    );
    const kept = await k3s(["kubectl", "x y"], { PATH: path, KUBECONFIG: "/mine.yaml" });
    assert.equal(kept.stdout, "KUBECONFIG=/mine.yaml\narg=x y\n");
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});
