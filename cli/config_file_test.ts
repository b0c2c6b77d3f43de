import assert from "node:assert/strict";
import { readConfigFiles } from "./config_file.ts";
import { serverFlags } from "./server_flags.ts";
import { assertCliError, fakeFiles } from "./testing.ts";

const path = "/etc/rancher/k3s/config.yaml";
const read = (tree: Record<string, string>, explicit = false) =>
  readConfigFiles(path, explicit, serverFlags, fakeFiles(tree));
const values = (tree: Record<string, string>) =>
  Object.fromEntries(
    [...read(tree).values].map(([name, list]) => [name, list.map(({ value }) => value)]),
  );

Deno.test("readConfigFiles() reads flag names as keys and scalars as text", () => {
  assert.deepEqual(
    values({
      [path]: "write-kubeconfig-mode: 0644\nhttps-listen-port: 7443\ndisable-agent: true\n" +
        "node-label: [a=1, b=2]\nt: secret\n",
    }),
    {
      "write-kubeconfig-mode": ["0644"],
      "https-listen-port": ["7443"],
      "disable-agent": ["true"],
      "node-label": ["a=1", "b=2"],
      token: ["secret"],
    },
  );
});

Deno.test("readConfigFiles() merges config.yaml.d in lexical order, later files winning", () => {
  const result = read({
    [path]: "token: base\nnode-label: [a=1]\n",
    [`${path}.d/20-b.yaml`]: "token: twenty\n",
    [`${path}.d/10-a.yml`]: "token: ten\ncluster-domain: ten.local\n",
    [`${path}.d/30-c.txt`]: "token: ignored\n",
  });
  assert.deepEqual(result.paths, [path, `${path}.d/10-a.yml`, `${path}.d/20-b.yaml`]);
  assert.deepEqual(result.values.get("token"), [{ value: "twenty", path: `${path}.d/20-b.yaml` }]);
  assert.deepEqual(result.values.get("cluster-domain"), [
    { value: "ten.local", path: `${path}.d/10-a.yml` },
  ]);
});

Deno.test("readConfigFiles() keeps the file each appended value came from", () => {
  const result = read({
    [path]: "disable: [traefik]\n",
    [`${path}.d/1.yaml`]: "disable+: servicelb\n",
  });
  assert.deepEqual(result.values.get("disable"), [
    { value: "traefik", path },
    { value: "servicelb", path: `${path}.d/1.yaml` },
  ]);
});

Deno.test("readConfigFiles() appends for a key ending in + and replaces otherwise", () => {
  assert.deepEqual(
    values({
      [path]: "node-label: [a=1]\ntls-san: [x]\n",
      [`${path}.d/1.yaml`]: "node-label+: [b=2]\ntls-san: [y]\n",
      [`${path}.d/2.yaml`]: "node-label+: c=3\n",
    }),
    { "node-label": ["a=1", "b=2", "c=3"], "tls-san": ["y"] },
  );
});

Deno.test("readConfigFiles() skips unknown keys with a warning", () => {
  const result = read({ [path]: "no-such-flag: 1\ntoken: t\nconfig: /other.yaml\n" });
  assert.deepEqual([...result.values.keys()], ["token"]);
  assert.deepEqual(result.warnings, [
    `unknown flag "no-such-flag" in ${path}, skipping`,
    `"config" in ${path} has no effect, skipping`,
  ]);
});

Deno.test("readConfigFiles() accepts a missing default file but not a missing explicit one", () => {
  assert.deepEqual(read({}).paths, []);
  assertCliError(() => read({}, true), "config-file", `config file ${path} does not exist`);
  assert.deepEqual(read({ [`${path}.d/a.yaml`]: "token: t" }, true).paths, [`${path}.d/a.yaml`]);
});

Deno.test("readConfigFiles() treats an empty file as setting nothing", () => {
  assert.deepEqual(values({ [path]: "# nothing yet\n" }), {});
});

Deno.test("readConfigFiles() reports YAML it cannot use, naming file and key", () => {
  assertCliError(
    () => read({ [path]: "token: [\n" }),
    "config-file",
    `cannot parse config file ${path}: Flow sequence in block collection must be sufficiently ` +
      "indented and end with a ] at line 2, column 1:",
  );
  assertCliError(
    () => read({ [path]: "- token\n" }),
    "config-file",
    `cannot parse config file ${path}: expected a map of flag names to values`,
  );
  assertCliError(
    () => read({ [path]: "token: [a, b]\n" }),
    "config-file",
    `invalid value for "token" in ${path}: must be a single value`,
  );
  assertCliError(
    () => read({ [path]: "node-label: {a: b}\n" }),
    "config-file",
    `invalid value for "node-label" in ${path}: must be a value or a list of values`,
  );
});
