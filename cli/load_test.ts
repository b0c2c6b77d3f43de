import assert from "node:assert/strict";
import { agentCommand, serverCommand } from "./commands.ts";
import { loadConfig } from "./load.ts";
import type { Env } from "./resolve.ts";
import { assertCliError, fakeFiles } from "./testing.ts";

const configPath = "/etc/rancher/k3s/config.yaml";

function server(argv: string[], env: Env = {}, tree: Record<string, string> = {}) {
  const loaded = loadConfig(serverCommand, argv, env, fakeFiles(tree));
  assert.equal(loaded.kind, "run");
  if (loaded.kind !== "run") throw new Error("unreachable");
  return loaded;
}
const config = (argv: string[], env: Env = {}, tree: Record<string, string> = {}) =>
  server(argv, env, tree).config;

Deno.test("loadConfig() fills every field from the defaults", () => {
  const c = config([]);
  assert.equal(c.dataDir, "/var/lib/rancher/k3s");
  assert.equal(c.httpsListenPort, 6443);
  assert.deepEqual(c.clusterCidr, ["10.42.0.0/16"]);
  assert.deepEqual(c.serviceCidr, ["10.43.0.0/16"]);
  assert.equal(c.clusterDomain, "cluster.local");
  assert.equal(c.config, configPath);
  assert.equal(c.disableAgent, false);
  assert.deepEqual(c.tlsSan, []);
  assert.equal(c.token, undefined);
  assert.equal(c.advertisePort, undefined);
});

Deno.test("loadConfig() converts values to the flag's type", () => {
  const c = config([
    "--https-listen-port=7443",
    "--disable-agent",
    "--disable=traefik,servicelb",
    "--disable",
    "metrics-server",
    "--kube-apiserver-arg=enable-admission-plugins=A,B",
    "--node-ip=10.0.0.1,fd00::1",
  ]);
  assert.equal(c.httpsListenPort, 7443);
  assert.equal(c.disableAgent, true);
  assert.deepEqual(c.disable, ["traefik", "servicelb", "metrics-server"]);
  assert.deepEqual(c.kubeApiserverArg, ["enable-admission-plugins=A,B"]);
  assert.deepEqual(c.nodeIp, ["10.0.0.1", "fd00::1"]);
});

Deno.test("loadConfig() falls back to K3S_* environment variables", () => {
  const c = config([], {
    K3S_DATA_DIR: "/env/data",
    K3S_TOKEN: "env-token",
    K3S_KUBECONFIG_MODE: "0644",
    K3S_CLUSTER_INIT: "true",
    K3S_NODE_NAME: "",
  });
  assert.equal(c.dataDir, "/env/data");
  assert.equal(c.token, "env-token");
  assert.equal(c.writeKubeconfigMode, "0644");
  assert.equal(c.clusterInit, true);
  assert.equal(c.nodeName, undefined, "an empty variable counts as unset");
});

Deno.test("loadConfig() ranks command line over config file over environment", () => {
  const tree = { [configPath]: "token: from-file\ndata-dir: /file/data\nnode-name: file-node\n" };
  const env = { K3S_TOKEN: "from-env", K3S_DATA_DIR: "/env/data", K3S_DEBUG: "true" };
  const c = config(["--token", "from-flag"], env, tree);
  assert.equal(c.token, "from-flag");
  assert.equal(c.dataDir, "/file/data");
  assert.equal(c.nodeName, "file-node");
  assert.equal(c.debug, true);
});

Deno.test("loadConfig() appends command-line slice values to the config file's, as K3s does", () => {
  const tree = {
    [configPath]: "node-label: [a=1]\n",
    [`${configPath}.d/10.yaml`]: "node-label+: [b=2]\n",
  };
  assert.deepEqual(config(["--node-label=c=3"], {}, tree).nodeLabel, ["a=1", "b=2", "c=3"]);
  assert.deepEqual(config(["--cluster-cidr=10.1.0.0/16"]).clusterCidr, ["10.1.0.0/16"]);
});

Deno.test("loadConfig() reads the config file named by --config or $K3S_CONFIG_FILE", () => {
  const tree = { "/a.yaml": "token: a\n", "/b.yaml": "token: b\n" };
  assert.equal(config(["-c", "/a.yaml"], {}, tree).token, "a");
  assert.equal(config([], { K3S_CONFIG_FILE: "/b.yaml" }, tree).token, "b");
  assert.equal(
    config(["--config=/a.yaml"], { K3S_CONFIG_FILE: "/b.yaml" }, tree).config,
    "/a.yaml",
  );
  assertCliError(
    () => config(["--config", "/missing.yaml"], {}, tree),
    "config-file",
    "config file /missing.yaml does not exist",
  );
});

Deno.test("loadConfig() passes config file warnings on, even when it then fails", () => {
  const tree = { [configPath]: "flannel-backend: none\n" };
  const warnings: string[] = [];
  const loaded = loadConfig(serverCommand, [], {}, fakeFiles(tree), (m) => warnings.push(m));
  assert.deepEqual(warnings, [`unknown flag "flannel-backend" in ${configPath}, skipping`]);
  assert.equal(loaded.kind === "run" && loaded.configFiles[0], configPath);
  warnings.length = 0;
  assert.throws(() =>
    loadConfig(
      serverCommand,
      ["--token=a", "--token-file=/t"],
      {},
      fakeFiles(tree),
      (m) => warnings.push(m),
    )
  );
  assert.equal(warnings.length, 1);
});

Deno.test("loadConfig() names the flag and the source of a bad value", () => {
  assertCliError(
    () => config(["--https-listen-port=abc"]),
    "invalid-value",
    'invalid value "abc" for flag --https-listen-port: must be an integer',
  );
  assertCliError(
    () => config(["--advertise-port", "0"]),
    "invalid-value",
    'invalid value "0" for flag --advertise-port: must be between 1 and 65535',
  );
  assertCliError(
    () => config([], { K3S_CLUSTER_INIT: "yes" }),
    "invalid-value",
    'invalid value "yes" for flag --cluster-init (from $K3S_CLUSTER_INIT): must be true or false',
  );
  assertCliError(
    () => config([], {}, { [configPath]: "disable: [traefik, nginx]\n" }),
    "invalid-value",
    `invalid value "nginx" for flag --disable (from ${configPath}): must be one of ` +
      "coredns, servicelb, traefik, local-storage, metrics-server",
  );
  assertCliError(
    () => config(["--write-kubeconfig-mode=rw"]),
    "invalid-value",
    'invalid value "rw" for flag --write-kubeconfig-mode: must be an octal file mode such as 0600',
  );
  assertCliError(
    () => config(["--cluster-cidr=10.42.0.0/33"]),
    "invalid-value",
    'invalid value "10.42.0.0/33" for flag --cluster-cidr: must be a CIDR such as 10.42.0.0/16',
  );
});

Deno.test("loadConfig() rejects conflicting flags from any source", () => {
  const message = "flags --token and --token-file cannot be used together";
  assertCliError(() => config(["--token=a", "--token-file=/t"]), "conflict", message);
  assertCliError(() => config(["--token-file=/t"], { K3S_TOKEN: "a" }), "conflict", message);
  assertCliError(
    () => config(["--agent-token=a"], {}, { [configPath]: "agent-token-file: /t\n" }),
    "conflict",
    "flags --agent-token and --agent-token-file cannot be used together",
  );
});

Deno.test("loadConfig() requires --server for the agent", () => {
  const load = (argv: string[], env: Env = {}) => loadConfig(agentCommand, argv, env, fakeFiles());
  assertCliError(() => load([]), "required", "flag --server is required (or set $K3S_URL)");
  assertCliError(
    () => load(["--server=http://s:6443"]),
    "invalid-value",
    'invalid value "http://s:6443" for flag --server: must begin with https://',
  );
  const loaded = load(["-t", "tok"], { K3S_URL: "https://10.0.0.1:6443" });
  assert.equal(loaded.kind === "run" && loaded.config.server, "https://10.0.0.1:6443");
});

Deno.test("loadConfig() answers --help before validating anything", () => {
  const loaded = loadConfig(serverCommand, ["--https-listen-port=abc", "--help"], {}, fakeFiles());
  assert.deepEqual(loaded, { kind: "help" });
});
