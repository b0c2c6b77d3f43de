import assert from "node:assert/strict";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { certInfo } from "./cert.ts";
import { loadOrCreatePki, type PkiOptions } from "./pki.ts";
import { opensslText, opensslVerify, withTempDir } from "./testing.ts";

const DAY = 86_400_000;
const options = (dataDir: string): PkiOptions => ({
  dataDir,
  hostname: "edge-1",
  nodeIps: ["192.168.1.10"],
  tlsSans: [],
  serviceCidr: "10.43.0.0/16",
  clusterDomain: "cluster.local",
});

const LEAVES = {
  "serving-kube-apiserver": ["kube-apiserver", []],
  "client-admin": ["system:admin", ["system:masters"]],
  "client-supervisor": ["system:k3s-supervisor", ["system:masters"]],
  "client-controller": ["system:kube-controller-manager", []],
  "client-scheduler": ["system:kube-scheduler", []],
  "client-kube-apiserver": ["system:kube-apiserver", ["system:masters"]],
  "client-kube-proxy": ["system:kube-proxy", []],
  "client-k3s-controller": ["system:k3s-controller", []],
  "client-auth-proxy": ["system:auth-proxy", []],
} as const;

Deno.test("loadOrCreatePki() creates K3s's tls layout: v3 P-256 certs openssl verifies", async () => {
  await withTempDir(async (dir) => {
    const now = new Date();
    const pki = await loadOrCreatePki({ ...options(dir), now });
    const tls = join(dir, "server", "tls");
    assert.equal(pki.tlsDir, tls);
    const unix = Math.floor(now.getTime() / 1000);
    for (const [name, prefix] of [["server-ca", "k3s-server-ca"], ["client-ca", "k3s-client-ca"]]) {
      const text = await opensslText(await readFile(join(tls, `${name}.crt`), "utf8"));
      assert.match(text, new RegExp(`Subject: CN = ${prefix}@${unix}\\n`));
      assert.match(text, /Version: 3 \(0x2\)[\s\S]*NIST CURVE: P-256[\s\S]*CA:TRUE/);
    }
    for (const [name, [cn, groups]] of Object.entries(LEAVES)) {
      const certPem = await readFile(join(tls, `${name}.crt`), "utf8");
      const info = certInfo(certPem);
      assert.deepEqual([info.commonName, info.organizations], [cn, [...groups]], name);
      const text = await opensslText(certPem);
      assert.match(text, /Version: 3 \(0x2\)/, name);
      assert.match(text, /NIST CURVE: P-256/, name);
      assert.match(text, /Key Usage: critical\s+Digital Signature, Key Encipherment/, name);
      const serving = name === "serving-kube-apiserver";
      assert.match(
        text,
        serving ? /TLS Web Server Authentication/ : /TLS Web Client Authentication/,
      );
      const caName = serving
        ? "server-ca"
        : name === "client-auth-proxy"
        ? "request-header-ca"
        : "client-ca";
      const caPem = await readFile(join(tls, `${caName}.crt`), "utf8");
      assert.match(await opensslVerify(caPem, certPem), /: OK/, name);
    }
    const sans = (await opensslText(pki.serving.certPem)).match(/Alternative Name: \s+(.*)/)![1];
    assert.deepEqual(sans.split(", ").sort(), [
      "DNS:edge-1",
      "DNS:kubernetes",
      "DNS:kubernetes.default",
      "DNS:kubernetes.default.svc",
      "DNS:kubernetes.default.svc.cluster.local",
      "DNS:localhost",
      "IP Address:0:0:0:0:0:0:0:1",
      "IP Address:10.43.0.1",
      "IP Address:127.0.0.1",
      "IP Address:192.168.1.10",
    ]);
    for (
      const key of ["server-ca", "client-ca", "request-header-ca", "service", "service.current"]
        .concat(Object.keys(LEAVES), ["client-kubelet", "serving-kubelet"])
    ) {
      assert.equal((await stat(join(tls, `${key}.key`))).mode & 0o777, 0o600, key);
    }
    assert.equal((await stat(tls)).mode & 0o777, 0o700);
    assert.equal(pki.clients.admin.certPem, await readFile(join(tls, "client-admin.crt"), "utf8"));
    assert.match(pki.serviceAccount.keyPem, /BEGIN PRIVATE KEY/);
    assert.match(pki.serviceAccount.publicKeyPem, /BEGIN PUBLIC KEY/);
    assert.equal(
      await readFile(join(tls, "server-ca.nochain.crt"), "utf8"),
      pki.serverCa.certPem,
    );
  });
});

Deno.test("loadOrCreatePki() reuses everything on a later start", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreatePki(options(dir));
    const second = await loadOrCreatePki(options(dir));
    assert.deepEqual(second.written, []);
    assert.equal(second.serverCa.certPem, first.serverCa.certPem);
    assert.equal(second.serving.certPem, first.serving.certPem);
    assert.equal(second.clients.admin.keyPem, first.clients.admin.keyPem);
    assert.equal(second.serviceAccount.keyPem, first.serviceAccount.keyPem);
  });
});

Deno.test("loadOrCreatePki() re-issues only the serving cert when the SANs change", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreatePki(options(dir));
    const next = await loadOrCreatePki({
      ...options(dir),
      tlsSans: ["k3s.example.com", "203.0.113.5"],
    });
    assert.deepEqual(next.written, ["serving-kube-apiserver"]);
    assert.ok(next.sans.includes("dns:k3s.example.com") && next.sans.includes("ip:203.0.113.5"));
    assert.equal(next.serving.keyPem, first.serving.keyPem, "the serving key is kept");
    assert.equal(next.serverCa.certPem, first.serverCa.certPem);
    const text = await opensslText(next.serving.certPem);
    assert.match(text, /DNS:k3s\.example\.com/);
    const order = await loadOrCreatePki({
      ...options(dir),
      tlsSans: ["203.0.113.5", "K3S.example.com"],
    });
    assert.deepEqual(order.written, [], "same set, other order and case");
  });
});

Deno.test("loadOrCreatePki() renews leaves within 120 days of expiry, never the CAs", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreatePki(options(dir));
    const later = new Date(Date.now() + 250 * DAY);
    const renewed = await loadOrCreatePki({ ...options(dir), now: later });
    assert.deepEqual(renewed.written.sort(), Object.keys(LEAVES).sort());
    assert.equal(renewed.serverCa.certPem, first.serverCa.certPem);
    assert.equal(renewed.clients.admin.keyPem, first.clients.admin.keyPem);
    const notAfter = certInfo(renewed.clients.admin.certPem).notAfter.getTime();
    assert.equal(Math.round((notAfter - later.getTime()) / DAY), 365);
  });
});

Deno.test("loadOrCreatePki() re-issues a CA's leaves when that CA was replaced", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreatePki(options(dir));
    const tls = join(dir, "server", "tls");
    await rm(join(tls, "client-ca.crt"));
    await rm(join(tls, "client-ca.key"));
    const next = await loadOrCreatePki(options(dir));
    assert.notEqual(next.clientCa.certPem, first.clientCa.certPem);
    assert.ok(next.written.includes("client-ca") && next.written.includes("client-admin"));
    assert.ok(!next.written.includes("serving-kube-apiserver"));
    assert.match(await opensslVerify(next.clientCa.certPem, next.clients.admin.certPem), /OK/);
  });
});

Deno.test("loadOrCreatePki() refuses a CA whose key does not match or is missing", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreatePki(options(dir));
    const tls = join(dir, "server", "tls");
    await writeFile(join(tls, "server-ca.key"), first.clientCa.keyPem);
    await assert.rejects(
      loadOrCreatePki(options(dir)),
      /server-ca\.crt: its key .* does not match/,
    );
    await writeFile(join(tls, "server-ca.key"), "not a key");
    await assert.rejects(
      loadOrCreatePki(options(dir)),
      /server-ca\.crt: its key .* does not match/,
    );
    await rm(join(tls, "server-ca.key"));
    await assert.rejects(loadOrCreatePki(options(dir)), /only one of .*server-ca/);
  });
});

Deno.test("loadOrCreatePki() follows the cluster domain and dual-stack service CIDRs", async () => {
  await withTempDir(async (dir) => {
    const pki = await loadOrCreatePki({
      ...options(dir),
      clusterDomain: "edge.internal",
      serviceCidr: "10.96.0.0/12,fd00:96::/112",
      nodeIps: ["10.0.0.5", "fd00::5"],
    });
    for (
      const san of [
        "dns:kubernetes.default.svc.edge.internal",
        "ip:10.96.0.1",
        "ip:fd00:96::1",
        "ip:fd00::5",
      ]
    ) {
      assert.ok(pki.sans.includes(san), san);
    }
    assert.ok(!pki.sans.includes("dns:kubernetes.default.svc.cluster.local"));
  });
});
