import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import {
  buildKubeconfig,
  KubeconfigError,
  loadKubeconfig,
  parseFileMode,
  parseKubeconfig,
  writeKubeconfig,
} from "./kubeconfig.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIGHkey\n-----END PRIVATE KEY-----\n";
const b64 = (s: string) => btoa(s);

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "kubeconfig-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

Deno.test("buildKubeconfig() writes K3s's k3s.yaml layout with embedded base64 data", () => {
  const text = buildKubeconfig({
    server: "https://127.0.0.1:6443",
    caPem: CA,
    certPem: CERT,
    keyPem: KEY,
  });
  assert.deepEqual(parse(text), {
    apiVersion: "v1",
    clusters: [{
      cluster: { "certificate-authority-data": b64(CA), server: "https://127.0.0.1:6443" },
      name: "default",
    }],
    contexts: [{ context: { cluster: "default", user: "default" }, name: "default" }],
    "current-context": "default",
    kind: "Config",
    preferences: {},
    users: [{
      name: "default",
      user: { "client-certificate-data": b64(CERT), "client-key-data": b64(KEY) },
    }],
  });
  assert.match(text, /^ {4}certificate-authority-data: \S+$/m, "base64 kept on one line");
});

Deno.test("parseKubeconfig() returns the current context's server and credentials", () => {
  const parsed = parseKubeconfig(buildKubeconfig({
    server: "https://10.0.0.1:6443",
    caPem: CA,
    certPem: CERT,
    keyPem: KEY,
    clusterName: "c",
    user: "u",
    context: "ctx",
    namespace: "kube-system",
  }));
  assert.equal(parsed.server, "https://10.0.0.1:6443");
  assert.equal(parsed.caPem, CA);
  assert.equal(parsed.certPem, CERT);
  assert.equal(parsed.keyPem, KEY);
  assert.equal(parsed.token, undefined);
  assert.deepEqual([parsed.contextName, parsed.clusterName, parsed.userName], ["ctx", "c", "u"]);
  assert.equal(parsed.namespace, "kube-system");

  const withToken = parseKubeconfig(
    buildKubeconfig({ server: "https://s", caPem: CA, token: "t0k" }),
  );
  assert.equal(withToken.token, "t0k");
  assert.equal(withToken.certPem, undefined);
});

Deno.test("parseKubeconfig() picks the named context among several", () => {
  const text = `
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: { server: "https://a:6443", insecure-skip-tls-verify: true }
- name: cb
  cluster: { server: "https://b:6443", certificate-authority: ca.crt, tls-server-name: kubernetes }
contexts:
- name: a
  context: { cluster: ca, user: ua }
- name: b
  context: { cluster: cb, user: ub }
users:
- name: ua
  user: { token: aaa }
- name: ub
  user: { client-certificate: certs/u.crt, client-key: /abs/u.key }
`;
  const a = parseKubeconfig(text);
  assert.deepEqual([a.server, a.token, a.insecureSkipTlsVerify], ["https://a:6443", "aaa", true]);
  const b = parseKubeconfig(text, { context: "b" });
  assert.deepEqual(
    [b.server, b.caFile, b.certFile, b.keyFile, b.tlsServerName],
    ["https://b:6443", "ca.crt", "certs/u.crt", "/abs/u.key", "kubernetes"],
  );
});

Deno.test("parseKubeconfig() names what is wrong in a bad file", () => {
  const good = parse(buildKubeconfig({ server: "https://s", caPem: CA, token: "t" }));
  const cases: [string, RegExp][] = [
    ["a: [b", /invalid YAML/],
    ["- 1\n- 2", /not a YAML map/],
    ["kind: Pod", /kind is "Pod"/],
    [JSON.stringify({ ...good, "current-context": "" }), /current-context is not set/],
    [JSON.stringify({ ...good, "current-context": "nope" }), /context "nope" not found/],
    [JSON.stringify({ ...good, clusters: [] }), /cluster "default" not found/],
    [JSON.stringify({ ...good, users: [] }), /user "default" not found/],
    [
      JSON.stringify({ ...good, clusters: [{ name: "default", cluster: {} }] }),
      /cluster "default" has no server/,
    ],
    [
      JSON.stringify({
        ...good,
        clusters: [{
          name: "default",
          cluster: { server: "https://s", "certificate-authority-data": "%%%" },
        }],
      }),
      /certificate-authority-data is not valid base64/,
    ],
    [
      JSON.stringify({
        ...good,
        clusters: [{
          name: "default",
          cluster: { server: "https://s", "certificate-authority-data": btoa("hello") },
        }],
      }),
      /does not hold PEM data/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseKubeconfig(text), (e: Error) => {
      assert.ok(e instanceof KubeconfigError, `${message}: ${e}`);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("loadKubeconfig() reads referenced files relative to the kubeconfig", async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, "ca.crt"), CA);
    await writeFile(join(dir, "u.crt"), CERT);
    await writeFile(join(dir, "u.key"), KEY);
    const text = `
kind: Config
current-context: x
clusters: [{ name: c, cluster: { server: "https://s", certificate-authority: ca.crt } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
users: [{ name: u, user: { client-certificate: u.crt, client-key: ${join(dir, "u.key")} } }]
`;
    await writeFile(join(dir, "config"), text);
    const kc = await loadKubeconfig(join(dir, "config"));
    assert.deepEqual([kc.caPem, kc.certPem, kc.keyPem], [CA, CERT, KEY]);
    await rm(join(dir, "u.crt"));
    await assert.rejects(loadKubeconfig(join(dir, "config")), /Cannot read client-certificate/);
    await assert.rejects(loadKubeconfig(join(dir, "missing")), KubeconfigError);
  });
});

Deno.test("parseFileMode() takes octal strings as --write-kubeconfig-mode does", () => {
  assert.equal(parseFileMode("0644"), 0o644);
  assert.equal(parseFileMode("644"), 0o644);
  assert.equal(parseFileMode("0600"), 0o600);
  assert.equal(parseFileMode(0o640), 0o640);
  for (const bad of ["0999", "rw-r--r--", "", "0x1ff", "1777777", "-1", 99999]) {
    assert.throws(() => parseFileMode(bad), /Cannot use file mode .*octal mode such as 0600/);
  }
});

Deno.test("writeKubeconfig() creates parents, sets the mode and leaves no temp file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "etc", "rancher", "k3s", "k3s.yaml");
    const text = buildKubeconfig({ server: "https://127.0.0.1:6443", caPem: CA, token: "t" });
    await writeKubeconfig(path, text);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await readFile(path, "utf8"), text);
    await writeKubeconfig(path, text + "# v2\n", "0644");
    assert.equal((await stat(path)).mode & 0o777, 0o644);
    assert.equal(await readFile(path, "utf8"), text + "# v2\n");
    await assert.rejects(writeKubeconfig(path, "changed", "0999"), /Cannot use file mode "0999"/);
    assert.equal(await readFile(path, "utf8"), text + "# v2\n", "a bad mode writes nothing");
    assert.deepEqual(await readdir(join(dir, "etc", "rancher", "k3s")), ["k3s.yaml"]);
  });
});

Deno.test("kubectl reads what buildKubeconfig() writes", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "k3s.yaml");
    await writeKubeconfig(
      path,
      buildKubeconfig({ server: "https://127.0.0.1:6443", caPem: CA, certPem: CERT, keyPem: KEY }),
    );
    let out: string;
    try {
      out = execFileSync("kubectl", [
        "config",
        "view",
        "--raw",
        "-o",
        "jsonpath={.clusters[0].cluster.server} {.users[0].user.client-key-data}",
        "--kubeconfig",
        path,
      ]).toString();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // no kubectl on this machine
      throw e;
    }
    assert.equal(out, `https://127.0.0.1:6443 ${b64(KEY)}`);
  });
});
