import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { renderContainerdConfig } from "./config.ts";
import { containerdPaths, DEFAULT_CNI_BIN_DIR, DEFAULT_PAUSE_IMAGE } from "./paths.ts";

const golden = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), "utf8");

const defaults = () => {
  const paths = containerdPaths("/var/lib/rancher/k3s");
  return renderContainerdConfig({
    root: paths.root,
    state: paths.state,
    address: paths.address,
    opt: paths.opt,
    pauseImage: DEFAULT_PAUSE_IMAGE,
    snapshotter: "overlayfs",
    cniBinDir: DEFAULT_CNI_BIN_DIR,
    cniConfDir: paths.cniConfDir,
    registryConfigPath: paths.certsDir,
  });
};

const custom = () =>
  renderContainerdConfig({
    root: "/data/agent/containerd",
    state: "/tmp/node-1/state",
    address: "/tmp/node-1/state/containerd.sock",
    opt: "/data/agent/containerd",
    pauseImage: "registry.example.com/pause:3.9",
    snapshotter: "native",
    cniBinDir: "/var/lib/rancher/k3s/data/current/bin",
    cniConfDir: "/data/agent/etc/cni/net.d",
    registryConfigPath: "/data/agent/etc/containerd/certs.d",
    registryAuths: {
      "registry.example.com:5000": { auth: "dXNlcjpwYXNz", identityToken: "token-1" },
      "mirror.example.com": { username: "user", password: 'p"a\\ss' },
    },
    streamServerAddress: "10.0.0.5",
    streamServerPort: 10011,
    systemdCgroup: true,
    enableSelinux: true,
    enableUnprivileged: false,
    restrictOomScoreAdj: true,
    netnsMountsUnderStateDir: true,
  });

Deno.test("renderContainerdConfig() with K3s defaults matches the golden file", async () => {
  assert.equal(defaults(), await golden("config_default.toml"));
});

Deno.test("renderContainerdConfig() renders every option, escaping credentials", async () => {
  assert.equal(custom(), await golden("config_custom.toml"));
});

Deno.test("containerd 1.6 loads both rendered configs", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-containerd-config-"));
  try {
    for (const [name, text] of [["default", defaults()], ["custom", custom()]]) {
      const path = join(dir, `${name}.toml`);
      await writeFile(path, text);
      const { stdout } = await promisify(execFile)("containerd", ["-c", path, "config", "dump"]);
      assert.match(stdout, /^version = 2$/m);
      assert.match(stdout, /config_path = ".*\/agent\/etc\/containerd\/certs\.d"/);
      assert.match(stdout, name === "custom" ? /SystemdCgroup = true/ : /SystemdCgroup = false/);
      if (name === "custom") assert.match(stdout, /password = "p\\"a\\\\ss"/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
